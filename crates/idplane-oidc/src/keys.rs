//! Each pool's signing keys: made on first use, sealed at rest, cached, rotated without
//! breaking tokens already issued.
//!
//! The cache is per process and follows the change count (`idplane_core::changes`): a rotation
//! announces itself, so every process sharing the store signs with the new key and publishes it
//! within the feed's watch interval. A token naming a `kid` this process does not know reloads
//! at once, and no entry outlives [`RELOAD_AFTER`], the bound should an announcement fail.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use idplane_core::changes::Changes;
use idplane_core::clock::Timestamp;
use idplane_core::crypto::MasterKey;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::UserPoolUid;
use idplane_core::model::sign_in::SigningKeyRecord;
use idplane_core::service::SignInService;
use p256::ecdsa::VerifyingKey;
use serde_json::{Value, json};

use crate::jose::{self, EsKey};

pub const RELOAD_AFTER: Duration = Duration::from_secs(1);

/// A pool's keys as loaded: the one that signs and every published one.
pub struct PoolKeys {
    pub signing: EsKey,
    pub verifying: Vec<(String, VerifyingKey)>,
    pub jwks: Value,
    loaded_at: Instant,
    /// The change count when these were read.
    version: u64,
}

impl PoolKeys {
    pub fn verifying_key(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifying
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key)
    }
}

pub struct KeyRing {
    sign_in: SignInService,
    master_key: MasterKey,
    cache: RwLock<HashMap<UserPoolUid, Arc<PoolKeys>>>,
    changes: Changes,
}

fn new_kid() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

impl KeyRing {
    pub fn new(sign_in: SignInService, master_key: MasterKey, changes: Changes) -> Self {
        Self {
            sign_in,
            master_key,
            cache: RwLock::new(HashMap::new()),
            changes,
        }
    }

    fn cached(&self, pool: &UserPoolUid) -> Option<Arc<PoolKeys>> {
        let cache = self.cache.read().ok()?;
        cache
            .get(pool)
            .filter(|k| {
                k.loaded_at.elapsed() < RELOAD_AFTER && Some(k.version) == self.changes.current()
            })
            .cloned()
    }

    /// The pool's keys, loading (and on first use creating) them as needed.
    pub async fn keys(&self, pool: &UserPoolUid, now: Timestamp) -> DomainResult<Arc<PoolKeys>> {
        match self.cached(pool) {
            Some(keys) => Ok(keys),
            None => self.reload(pool, now).await,
        }
    }

    /// The verifying key for `kid`, reloading once when this process has not seen it yet.
    pub async fn verifying_key(
        &self,
        pool: &UserPoolUid,
        kid: &str,
        now: Timestamp,
    ) -> DomainResult<Option<VerifyingKey>> {
        let keys = self.keys(pool, now).await?;
        if let Some(key) = keys.verifying_key(kid) {
            return Ok(Some(*key));
        }
        let keys = self.reload(pool, now).await?;
        Ok(keys.verifying_key(kid).copied())
    }

    async fn reload(&self, pool: &UserPoolUid, now: Timestamp) -> DomainResult<Arc<PoolKeys>> {
        let version = self.changes.current();
        let mut records = self.sign_in.signing_keys(pool).await?;
        if !records.iter().any(|r| r.retired_at.is_none()) {
            self.sign_in
                .add_signing_key(&self.new_record(pool, now)?)
                .await?;
            records = self.sign_in.signing_keys(pool).await?;
        }
        let keys = Arc::new(self.load(records, version.unwrap_or(u64::MAX))?);
        if let (Some(_), Ok(mut cache)) = (version, self.cache.write()) {
            cache.insert(pool.clone(), keys.clone());
        }
        Ok(keys)
    }

    fn new_record(&self, pool: &UserPoolUid, now: Timestamp) -> DomainResult<SigningKeyRecord> {
        let key = EsKey::generate(new_kid());
        Ok(SigningKeyRecord {
            kid: key.kid.clone(),
            pool_uid: pool.clone(),
            algorithm: jose::ALGORITHM.to_owned(),
            sealed_private: self.master_key.seal(&key.private_bytes())?,
            public_jwk: key.public_jwk().to_string(),
            created_at: now,
            retired_at: None,
        })
    }

    /// Newest first (the store's order): the first unretired key signs; all are published.
    fn load(&self, records: Vec<SigningKeyRecord>, version: u64) -> DomainResult<PoolKeys> {
        let mut signing = None;
        let mut verifying = Vec::with_capacity(records.len());
        let mut published = Vec::with_capacity(records.len());
        for r in records {
            let jwk: Value = serde_json::from_str(&r.public_jwk).map_err(DomainError::internal)?;
            let key = jose::verifying_key_from_jwk(&jwk)
                .ok_or_else(|| DomainError::internal("a stored signing key is malformed"))?;
            if signing.is_none() && r.retired_at.is_none() {
                let private = self.master_key.open(&r.sealed_private)?;
                signing = EsKey::from_bytes(r.kid.clone(), &private);
            }
            verifying.push((r.kid, key));
            published.push(jwk);
        }
        let signing = signing.ok_or_else(|| DomainError::internal("no usable signing key"))?;
        Ok(PoolKeys {
            signing,
            verifying,
            jwks: json!({ "keys": published }),
            loaded_at: Instant::now(),
            version,
        })
    }

    /// Makes a new signing key and retires the older ones: tokens they signed still verify,
    /// since retired keys stay in the JWKS. Returns the new `kid`.
    pub async fn rotate(&self, pool: &UserPoolUid, now: Timestamp) -> DomainResult<String> {
        let record = self.new_record(pool, now)?;
        self.sign_in.add_signing_key(&record).await?;
        self.sign_in
            .retire_signing_keys(pool, &record.kid, now)
            .await?;
        self.changes.changed().await;
        self.reload(pool, now).await?;
        Ok(record.kid)
    }
}
