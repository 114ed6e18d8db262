//! The data plane's wiring: each pool's OIDC provider over the same store and services.

use std::sync::Arc;

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::crypto;
use idplane_core::error::DomainResult;
use idplane_core::ids::{UserPoolUid, UserUid};
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use idplane_core::service::{ClientService, Directory};
use idplane_core::throttle::Throttle;
use idplane_oidc::cache::ReadCache;
use idplane_oidc::keys::KeyRing;
use idplane_oidc::{ActivityRecorder, ClientRegistry, Provider, ProviderConfig};

use crate::wiring::Services;

/// The data plane's lookups of clients, through the client service.
struct Clients(ClientService);

#[async_trait]
impl ClientRegistry for Clients {
    async fn find(&self, pool: &UserPoolUid, client_id: &str) -> DomainResult<Option<Client>> {
        self.0.find(pool, client_id).await
    }

    fn verify_secret(&self, client: &Client, presented: &str) -> bool {
        self.0.verify_secret(client, presented)
    }

    fn secret(&self, client: &Client) -> DomainResult<Option<String>> {
        self.0.secret(client)
    }
}

/// Monthly active users, recorded through the directory's metering.
struct Metering(Directory);

#[async_trait]
impl ActivityRecorder for Metering {
    async fn user_active(
        &self,
        pool: &UserPool,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()> {
        self.0.record_activity(pool, user, at).await
    }
}

pub fn provider(
    services: &Services,
    public_url: &str,
    throttle: Arc<Throttle>,
) -> Result<Arc<Provider>, String> {
    // A hash to verify against when no user matches, so both cases cost the same.
    let decoy_hash = crypto::hash_password(&crypto::generate_secret())
        .map_err(|e| format!("preparing sign-in: {e}"))?;
    Ok(Arc::new(Provider {
        store: services.store.clone(),
        sign_in: services.sign_in.clone(),
        directory: services.directory.clone(),
        clients: Arc::new(Clients(services.clients.clone())),
        keys: KeyRing::new(
            services.sign_in.clone(),
            services.master_key.clone(),
            services.changes.clone(),
        ),
        master_key: services.master_key.clone(),
        clock: services.clock.clone(),
        activity: Arc::new(Metering(services.directory.clone())),
        config: ProviderConfig::new(public_url),
        decoy_hash,
        checkers: services.directory.passwords().clone(),
        pools: ReadCache::new(services.changes.clone()),
        client_cache: ReadCache::new(services.changes.clone()),
        throttle,
    }))
}
