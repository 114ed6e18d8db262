//! User pool clients: registration and settings for the control plane (the secret shown only
//! to the owning account), and the lookups and secret checks the data plane makes.

use crate::fields::Field;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::changes::Changes;
use crate::clock::Clock;
use crate::crypto::MasterKey;
use crate::error::{DomainError, DomainResult, Kind};
use crate::ids::{ClientUid, UserPoolUid};
use crate::model::client::{Client, ClientSettings, ClientType};
use crate::query::{ClientQuery, Page, TextMatch};
use crate::service::PoolAccess;
use crate::service::client_rules;
use crate::store::Store;

/// Random bytes in a client secret (256 bits).
const SECRET_BYTES: usize = 32;

/// A client to register.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub description: String,
    pub client_type: ClientType,
    pub settings: ClientSettings,
}

/// What an update may change: everything but the uid, the type and the secret.
#[derive(Debug, Clone)]
pub struct ClientEdit {
    pub name: String,
    pub description: String,
    pub settings: ClientSettings,
}

/// A client with its secret in clear (`None` for public clients). Only CreateUserPoolClient and
/// GetUserPoolClient, answering the owning account, carry one of these out.
#[derive(Clone)]
pub struct RevealedClient {
    pub client: Client,
    pub secret: Option<String>,
}

impl std::fmt::Debug for RevealedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevealedClient")
            .field("client", &self.client)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The pool clients' use cases, over the store, with secrets sealed under the master key.
#[derive(Clone)]
pub struct ClientService {
    store: Arc<dyn Store>,
    master_key: MasterKey,
    clock: Arc<dyn Clock>,
    changes: Changes,
}

/// A new client secret: 32 random bytes as unpadded URL-safe base64 (43 characters).
fn generate_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    B64URL.encode(bytes)
}

impl ClientService {
    /// Client use cases announcing each change of a client on `changes` (the data plane caches
    /// clients).
    pub fn new(
        store: Arc<dyn Store>,
        master_key: MasterKey,
        clock: Arc<dyn Clock>,
        changes: Changes,
    ) -> Self {
        Self {
            store,
            master_key,
            clock,
            changes,
        }
    }

    // --- control plane -------------------------------------------------------------------

    /// Registers a client; confidential types get a fresh secret, returned here in clear.
    pub async fn create(
        &self,
        access: &PoolAccess,
        new: NewClient,
    ) -> DomainResult<RevealedClient> {
        client_rules::check(&new.name, &new.description, new.client_type, &new.settings)?;
        let secret = new.client_type.is_confidential().then(generate_secret);
        let sealed_secret = secret
            .as_ref()
            .map(|s| self.master_key.seal(s.as_bytes()))
            .transpose()?;
        let now = self.clock.now();
        let client = Client {
            uid: ClientUid::generate(),
            pool_uid: access.pool.uid.clone(),
            name: new.name,
            description: new.description,
            client_type: new.client_type,
            sealed_secret,
            settings: new.settings,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_client(&access.scope, &client).await?;
        Ok(RevealedClient { client, secret })
    }

    /// A client of the pool, without its secret opened.
    pub async fn get(&self, access: &PoolAccess, uid: &ClientUid) -> DomainResult<Client> {
        self.store
            .get_client(&access.scope, uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::Client, uid.as_str()))
    }

    /// A client of the pool with its secret in clear, for the account that owns the pool.
    pub async fn reveal(
        &self,
        access: &PoolAccess,
        uid: &ClientUid,
    ) -> DomainResult<RevealedClient> {
        let client = self.get(access, uid).await?;
        let secret = self.secret(&client)?;
        Ok(RevealedClient { client, secret })
    }

    pub async fn list(
        &self,
        access: &PoolAccess,
        query: &ClientQuery,
    ) -> DomainResult<Page<Client>> {
        if let Some(TextMatch::Exact(n) | TextMatch::Prefix(n) | TextMatch::Contains(n)) =
            &query.filter.name
        {
            crate::service::validate::length(Field::NameFilter, n, 0, client_rules::MAX_NAME)?;
        }
        self.store.query_clients(&access.scope, query).await
    }

    /// Applies `change` to the client's name, description and settings, and stores the result
    /// if it is valid. The type and the secret never change.
    pub async fn update(
        &self,
        access: &PoolAccess,
        uid: &ClientUid,
        change: impl FnOnce(&mut ClientEdit),
    ) -> DomainResult<Client> {
        let mut client = self.get(access, uid).await?;
        let mut edit = ClientEdit {
            name: client.name.clone(),
            description: client.description.clone(),
            settings: client.settings.clone(),
        };
        change(&mut edit);
        client_rules::check(
            &edit.name,
            &edit.description,
            client.client_type,
            &edit.settings,
        )?;
        client.name = edit.name;
        client.description = edit.description;
        client.settings = edit.settings;
        client.updated_at = self.clock.now();
        self.store.update_client(&access.scope, &client).await?;
        self.changes.changed().await;
        Ok(client)
    }

    pub async fn delete(&self, access: &PoolAccess, uid: &ClientUid) -> DomainResult<()> {
        if self.store.delete_client(&access.scope, uid).await? {
            self.changes.changed().await;
            Ok(())
        } else {
            Err(DomainError::not_found(Kind::Client, uid.as_str()))
        }
    }

    // --- data plane ----------------------------------------------------------------------

    /// A pool's client by its OAuth client_id; None when unknown.
    pub async fn find(
        &self,
        pool: &UserPoolUid,
        client_id: &ClientUid,
    ) -> DomainResult<Option<Client>> {
        self.store.find_client(pool, client_id).await
    }

    /// Constant-time check of a presented secret (false for public clients).
    pub fn verify_secret(&self, client: &Client, presented: &str) -> bool {
        let Some(sealed) = &client.sealed_secret else {
            return false;
        };
        match self.master_key.open(sealed) {
            Ok(secret) => bool::from(secret.as_slice().ct_eq(presented.as_bytes())),
            Err(e) => {
                tracing::error!(client = %client.uid, error = %e, "a client secret could not be opened");
                false
            }
        }
    }

    /// The plaintext secret (for SECRET_HASH checks); None for public clients.
    pub fn secret(&self, client: &Client) -> DomainResult<Option<String>> {
        let Some(sealed) = &client.sealed_secret else {
            return Ok(None);
        };
        let bytes = self.master_key.open(sealed)?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| DomainError::internal("a client secret is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_url_safe() {
        let a = generate_secret();
        let b = generate_secret();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
