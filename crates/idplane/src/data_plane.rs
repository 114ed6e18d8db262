//! The data plane's wiring: each pool's OIDC provider over the same store and services.

use std::sync::Arc;

use idplane_core::crypto;
use idplane_core::throttle::Throttle;
use idplane_oidc::cache::ReadCache;
use idplane_oidc::keys::KeyRing;
use idplane_oidc::{Provider, ProviderConfig};

use crate::wiring::Services;

pub fn provider(
    services: &Services,
    public_url: &str,
    throttle: Arc<Throttle>,
) -> Result<Arc<Provider>, String> {
    // A hash to verify against when no user matches, so both cases cost the same.
    let decoy_hash = crypto::hash_password(&crypto::generate_secret())
        .map_err(|e| format!("preparing sign-in: {e}"))?;
    Ok(Arc::new(Provider {
        sign_in: services.sign_in.clone(),
        directory: services.directory.clone(),
        clients: services.clients.clone(),
        keys: KeyRing::new(
            services.sign_in.clone(),
            services.master_key.clone(),
            services.changes.clone(),
        ),
        master_key: services.master_key.clone(),
        clock: services.clock.clone(),
        config: ProviderConfig::new(public_url),
        decoy_hash,
        checkers: services.directory.passwords().clone(),
        pools: ReadCache::new(services.changes.clone()),
        client_cache: ReadCache::new(services.changes.clone()),
        throttle,
    }))
}
