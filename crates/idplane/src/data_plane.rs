//! The data plane's wiring: each pool's OIDC provider over the same store and services.

use std::sync::Arc;

use idplane_oidc::cache::ReadCache;
use idplane_oidc::keys::KeyRing;
use idplane_oidc::{Provider, ProviderConfig};

use crate::wiring::Services;

pub fn provider(services: &Services, public_url: &str) -> Arc<Provider> {
    Arc::new(Provider {
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
        pools: ReadCache::new(services.changes.clone()),
        client_cache: ReadCache::new(services.changes.clone()),
        throttle: services.throttle.clone(),
    })
}
