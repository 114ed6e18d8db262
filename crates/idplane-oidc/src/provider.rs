//! The provider's state and the operations every endpoint shares: finding the pool and client,
//! authenticating clients, issuing and checking tokens, and recording activity.

use std::sync::Arc;
use std::time::Duration;

use idplane_core::clock::{Clock, Timestamp};
use idplane_core::crypto::MasterKey;
use idplane_core::error::DomainResult;
use idplane_core::ids::{ClientUid, UserPoolUid, UserUid};
use idplane_core::model::client::Client;
use idplane_core::model::endpoints::PoolEndpoints;
use idplane_core::model::pool::UserPool;
use idplane_core::model::user::User;
use idplane_core::service::{ClientService, Directory, PoolAccess, SignInService};
use idplane_core::throttle::{SourceAddress, Subject, Throttle};
use serde_json::{Map, Value, json};

use crate::cache::ReadCache;
use crate::claims;
use crate::jose;
use crate::keys::KeyRing;

/// The access-token claim naming the grant a user's token was issued from.
pub const GRANT_CLAIM: &str = "grant_id";

/// Settings of the data plane.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The external base URL (no trailing slash); issuers are `{public_url}/userpool/{uid}`.
    pub public_url: String,
}

impl ProviderConfig {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

pub struct Provider {
    pub sign_in: SignInService,
    pub directory: Directory,
    pub clients: ClientService,
    pub keys: KeyRing,
    pub master_key: MasterKey,
    pub clock: Arc<dyn Clock>,
    pub config: ProviderConfig,
    pub pools: ReadCache<String, Option<PoolAccess>>,
    pub client_cache: ReadCache<(UserPoolUid, String), Option<Client>>,
    /// Failed authentications, by source address, client and identifier.
    pub throttle: Arc<Throttle>,
}

/// The tokens one grant hands out.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scope: String,
}

impl Issued {
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("access_token".into(), json!(self.access_token));
        out.insert("token_type".into(), json!("Bearer"));
        out.insert("expires_in".into(), json!(self.expires_in));
        if let Some(t) = &self.id_token {
            out.insert("id_token".into(), json!(t));
        }
        if let Some(t) = &self.refresh_token {
            out.insert("refresh_token".into(), json!(t));
        }
        if !self.scope.is_empty() {
            out.insert("scope".into(), json!(self.scope));
        }
        Value::Object(out)
    }
}

/// What a user's grant carries into token issuance.
pub struct UserGrant<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: Timestamp,
    pub session_id: Option<&'a str>,
    /// The grant every token issued names (its refresh-token family).
    pub grant_id: &'a str,
    /// The refresh token to hand out with the others, already stored.
    pub refresh_token: Option<String>,
}

/// A verified access token's claims.
pub struct AccessClaims {
    pub claims: Map<String, Value>,
    pub jti: String,
    pub exp: i64,
}

impl Provider {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// How long `source` must wait, when it failed to authenticate too often.
    pub fn address_refused(&self, source: SourceAddress) -> Option<Duration> {
        self.throttle
            .check(&Subject::Address(source.0), self.now())
            .err()
    }

    /// Counts a failed authentication against `source`.
    pub fn address_failed(&self, source: SourceAddress) {
        self.throttle.failed(Subject::Address(source.0), self.now());
    }

    fn client_subject(pool: &UserPool, client_id: &str) -> Subject {
        Subject::Client(pool.uid.as_str().to_owned(), client_id.to_owned())
    }

    /// How long a client must wait, when its secret was wrong too often.
    pub fn client_refused(&self, pool: &UserPool, client_id: &str) -> Option<Duration> {
        self.throttle
            .check(&Self::client_subject(pool, client_id), self.now())
            .err()
    }

    /// Counts a failed authentication of a client.
    pub fn client_failed(&self, pool: &UserPool, client_id: &str) {
        self.throttle
            .failed(Self::client_subject(pool, client_id), self.now());
    }

    pub fn endpoints(&self, pool: &UserPoolUid) -> PoolEndpoints {
        PoolEndpoints::new(&self.config.public_url, pool.as_str())
    }

    /// An enabled pool, or `None` (unknown and disabled pools look the same from outside).
    pub async fn pool(&self, uid: &str) -> DomainResult<Option<PoolAccess>> {
        if let Some(hit) = self.pools.get(&uid.to_owned()) {
            return Ok(hit);
        }
        let Ok(parsed) = UserPoolUid::parse(uid) else {
            return Ok(None);
        };
        let version = self.pools.version();
        let access = self.directory.public_pool(&parsed).await?;
        self.pools.put(uid.to_owned(), version, access.clone());
        Ok(access)
    }

    pub async fn client(&self, pool: &UserPool, client_id: &str) -> DomainResult<Option<Client>> {
        let key = (pool.uid.clone(), client_id.to_owned());
        if let Some(hit) = self.client_cache.get(&key) {
            return Ok(hit);
        }
        let Ok(uid) = ClientUid::parse(client_id) else {
            return Ok(None);
        };
        let version = self.client_cache.version();
        let client = self.clients.find(&pool.uid, &uid).await?;
        self.client_cache.put(key, version, client.clone());
        Ok(client)
    }

    pub async fn user(&self, pool: &PoolAccess, uid: &UserUid) -> DomainResult<Option<User>> {
        self.directory.stored(pool, uid).await
    }

    fn token_lifetime(client: &Client) -> i64 {
        client.settings.id_token_lifetime_seconds.clamp(60, 86_400)
    }

    /// A signed access token for `sub` issued at `iat` (seconds); a user's names its grant.
    #[allow(clippy::too_many_arguments)]
    fn access_token(
        &self,
        keys: &jose::EsKey,
        pool: &UserPool,
        client: &Client,
        sub: &str,
        scope: &str,
        grant_id: Option<&str>,
        (iat, lifetime): (i64, i64),
    ) -> String {
        let mut claims = json!({
            "iss": self.endpoints(&pool.uid).issuer,
            "sub": sub,
            "aud": client.uid.as_str(),
            "client_id": client.uid.as_str(),
            "scope": scope,
            "iat": iat,
            "exp": iat + lifetime,
            "jti": uuid::Uuid::now_v7().simple().to_string(),
            "token_use": "access",
        });
        if let (Some(id), Some(map)) = (grant_id, claims.as_object_mut()) {
            map.insert(GRANT_CLAIM.to_owned(), json!(id));
        }
        keys.sign(&claims)
    }

    /// Access token alone, for the client credentials grant (the client is the subject).
    pub async fn issue_for_client(
        &self,
        pool: &UserPool,
        client: &Client,
        scope: &str,
    ) -> DomainResult<Issued> {
        let now = self.now();
        let keys = self.keys.keys(&pool.uid, now).await?;
        let lifetime = Self::token_lifetime(client);
        Ok(Issued {
            access_token: self.access_token(
                &keys.signing,
                pool,
                client,
                client.uid.as_str(),
                scope,
                None,
                (now.millis() / 1000, lifetime),
            ),
            id_token: None,
            refresh_token: None,
            expires_in: lifetime,
            scope: scope.to_owned(),
        })
    }

    /// Access, ID (when `openid` was granted) and refresh tokens for a signed-in user.
    pub async fn issue_for_user(&self, pool: &UserPool, g: UserGrant<'_>) -> DomainResult<Issued> {
        let now = self.now();
        let keys = self.keys.keys(&pool.uid, now).await?;
        let lifetime = Self::token_lifetime(g.client);
        let access = self.access_token(
            &keys.signing,
            pool,
            g.client,
            g.user.uid.as_str(),
            g.scope,
            Some(g.grant_id),
            (now.millis() / 1000, lifetime),
        );
        let id_token = claims::has(g.scope, "openid").then(|| {
            let iat = now.millis() / 1000;
            let mut c = claims::user_claims(g.user, g.scope);
            c.insert("iss".into(), json!(self.endpoints(&pool.uid).issuer));
            c.insert("aud".into(), json!(g.client.uid.as_str()));
            c.insert("azp".into(), json!(g.client.uid.as_str()));
            c.insert("iat".into(), json!(iat));
            c.insert("exp".into(), json!(iat + lifetime));
            c.insert("auth_time".into(), json!(g.auth_time.millis() / 1000));
            c.insert("at_hash".into(), json!(at_hash(&access)));
            c.insert("token_use".into(), json!("id"));
            if let Some(n) = g.nonce {
                c.insert("nonce".into(), json!(n));
            }
            if let Some(sid) = g.session_id {
                c.insert("sid".into(), json!(sid));
            }
            keys.signing.sign(&Value::Object(c))
        });
        Ok(Issued {
            access_token: access,
            id_token,
            refresh_token: g.refresh_token,
            expires_in: lifetime,
            scope: g.scope.to_owned(),
        })
    }

    /// Verifies a JWT this pool signed: signature, issuer, and (unless `allow_expired`) expiry.
    pub async fn verify_jwt(
        &self,
        pool: &UserPool,
        token: &str,
        allow_expired: bool,
    ) -> DomainResult<Option<Map<String, Value>>> {
        let Some(kid) = jose::kid_of(token) else {
            return Ok(None);
        };
        let now = self.now();
        let Some(key) = self.keys.verifying_key(&pool.uid, &kid, now).await? else {
            return Ok(None);
        };
        let Some(claims) = jose::verify(token, &key) else {
            return Ok(None);
        };
        let issuer = self.endpoints(&pool.uid).issuer;
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
            return Ok(None);
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if !allow_expired && exp <= now.millis() / 1000 {
            return Ok(None);
        }
        Ok(Some(claims))
    }

    /// A live, unrevoked access token of this pool.
    pub async fn verify_access_token(
        &self,
        pool: &UserPool,
        token: &str,
    ) -> DomainResult<Option<AccessClaims>> {
        let Some(claims) = self.verify_jwt(pool, token, false).await? else {
            return Ok(None);
        };
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Ok(None);
        }
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let grant = claims.get(GRANT_CLAIM).and_then(Value::as_str);
        if jti.is_empty()
            || !self
                .sign_in
                .access_token_live(&pool.uid, &jti, grant)
                .await?
        {
            return Ok(None);
        }
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        Ok(Some(AccessClaims { claims, jti, exp }))
    }
}

/// OIDC Core §3.1.3.6: the left half of SHA-256 of the access token, base64url.
fn at_hash(access_token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(access_token.as_bytes());
    jose::b64(&digest[..16])
}
