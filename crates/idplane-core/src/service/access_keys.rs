//! Access keys: creation (the secret shown once), bootstrap, lookup for signature checks.

use crate::fields::Field;
use std::sync::Arc;

use crate::clock::{Clock, Timestamp};
use crate::crypto::{self, MasterKey};
use crate::error::{AccessError, DomainError, DomainResult, Kind};
use crate::ids::{AccessKeyId, UserPoolUid};
use crate::model::account::{AccessKey, AccessKeyStatus, Caller, DEFAULT_ACCOUNT};
use crate::store::{Claim, Store};

/// A key just created, with its secret in clear: the only time it is shown.
#[derive(Debug, Clone)]
pub struct CreatedAccessKey {
    pub key: AccessKey,
    pub account_name: String,
    pub secret: String,
}

/// A key's secret, opened to verify one request's signature.
pub struct KeyMaterial {
    key: AccessKey,
    secret: Vec<u8>,
}

impl KeyMaterial {
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Call once the request's signature has been verified with [`KeyMaterial::secret`].
    pub fn into_caller(self) -> Caller {
        Caller::new(&self.key)
    }
}

#[derive(Clone)]
pub struct AccessKeyService {
    store: Arc<dyn Store>,
    master_key: MasterKey,
    clock: Arc<dyn Clock>,
}

impl AccessKeyService {
    pub fn new(store: Arc<dyn Store>, master_key: MasterKey, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            master_key,
            clock,
        }
    }

    /// Makes sure `id` exists as a root key of the default account with exactly `secret`.
    pub async fn ensure_bootstrap(&self, id: &str, secret: &str) -> DomainResult<()> {
        let id = AccessKeyId::parse(id)?;
        if secret.len() < 8 {
            return Err(DomainError::invalid(
                Field::SecretAccessKey,
                "the bootstrap secret must be at least 8 characters",
            ));
        }
        if let Some(existing) = self.store.get_access_key(&id).await? {
            let current = self.master_key.open(&existing.sealed_secret)?;
            if current == secret.as_bytes() && existing.status == AccessKeyStatus::Active {
                return Ok(());
            }
            self.store.delete_access_key(&id).await?;
        }
        let now = self.clock.now();
        let account = self.store.ensure_account(DEFAULT_ACCOUNT, now).await?;
        let key = AccessKey {
            id,
            account_id: account.id,
            sealed_secret: self.master_key.seal(secret.as_bytes())?,
            status: AccessKeyStatus::Active,
            bound_pool: None,
            description: "bootstrap".to_owned(),
            created_at: now,
        };
        self.store.insert_access_key(&key).await
    }

    /// Creates a key for an account (made if new), optionally bound to one pool.
    pub async fn create(
        &self,
        account_name: &str,
        bound_pool: Option<&str>,
        description: &str,
    ) -> DomainResult<CreatedAccessKey> {
        if account_name.is_empty() || account_name.len() > 64 {
            return Err(DomainError::invalid(Field::Account, "1 to 64 characters"));
        }
        let now = self.clock.now();
        let account = self.store.ensure_account(account_name, now).await?;
        let bound_pool = bound_pool.map(UserPoolUid::parse).transpose()?;
        if let Some(pool) = &bound_pool
            && self.store.get_pool(&account.id, pool).await?.is_none()
        {
            return Err(DomainError::not_found(Kind::UserPool, pool.as_str()));
        }
        let secret = crypto::generate_secret();
        let key = AccessKey {
            id: AccessKeyId::from_stored(crypto::generate_access_key_id()),
            account_id: account.id,
            sealed_secret: self.master_key.seal(secret.as_bytes())?,
            status: AccessKeyStatus::Active,
            bound_pool,
            description: description.to_owned(),
            created_at: now,
        };
        self.store.insert_access_key(&key).await?;
        Ok(CreatedAccessKey {
            key,
            account_name: account.name,
            secret,
        })
    }

    /// Keys of one account, or of every account.
    pub async fn list(&self, account_name: Option<&str>) -> DomainResult<Vec<AccessKey>> {
        match account_name {
            None => self.store.list_access_keys(None).await,
            Some(name) => match self.store.find_account(name).await? {
                Some(account) => self.store.list_access_keys(Some(&account.id)).await,
                None => Ok(Vec::new()),
            },
        }
    }

    pub async fn delete(&self, id: &str) -> DomainResult<()> {
        let id = AccessKeyId::parse(id)?;
        if self.store.delete_access_key(&id).await? {
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::AccessKey, id.as_str()))
        }
    }

    /// Claims a signed request (by the hash of what identifies it) for `action`; remembered
    /// until `expires_at`, when its timestamp is stale anyway.
    pub async fn claim(
        &self,
        request: &[u8; 32],
        action: &str,
        expires_at: Timestamp,
    ) -> DomainResult<Claim> {
        self.store
            .claim(request, action, self.clock.now(), expires_at)
            .await
    }

    /// The secret of an active key, for verifying a signature made with it.
    /// `NotFound(AccessKey)` for an unknown id; `AccessDenied` for a key that is switched off.
    pub async fn lookup(&self, id: &str) -> DomainResult<KeyMaterial> {
        let parsed = AccessKeyId::parse(id)
            .map_err(|_| DomainError::not_found(Kind::AccessKey, id.to_owned()))?;
        let key = self
            .store
            .get_access_key(&parsed)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::AccessKey, id.to_owned()))?;
        if key.status != AccessKeyStatus::Active {
            return Err(AccessError::KeyInactive.into());
        }
        let secret = self.master_key.open(&key.sealed_secret)?;
        Ok(KeyMaterial { key, secret })
    }
}
