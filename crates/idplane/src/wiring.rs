//! Building the services from configuration: store, master key, clock, bootstrap key.

use std::sync::Arc;

use idplane_core::clock::{Clock, SystemClock};
use idplane_core::crypto::MasterKey;
use idplane_core::service::{AccessKeyService, ClientService, Directory};
use idplane_core::store::{SignInStore, Store};
use idplane_store::SqlStore;

use crate::config::Config;
use crate::master_key;

pub struct Services {
    pub directory: Directory,
    pub keys: AccessKeyService,
    pub clients: ClientService,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub sign_in: Arc<dyn SignInStore>,
    pub master_key: MasterKey,
}

/// Opens the store (creating the data dir and applying migrations) and builds the services.
pub async fn build(config: &Config) -> Result<Services, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("creating data dir {}: {e}", config.data_dir.display()))?;
    let url = config.store_url();
    let store = match &config.database_schema {
        Some(schema) => SqlStore::connect_with_schema(&url, schema).await,
        None => SqlStore::connect(&url).await,
    }
    .map_err(|e| format!("opening the store: {e}"))?;
    let sql = Arc::new(store);
    let store: Arc<dyn Store> = sql.clone();
    let sign_in: Arc<dyn SignInStore> = sql;
    let master_key = master_key::load(config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let keys = AccessKeyService::new(store.clone(), master_key.clone(), clock.clone());
    if let (Some(id), Some(secret)) = (
        &config.bootstrap_access_key_id,
        &config.bootstrap_secret_access_key,
    ) {
        keys.ensure_bootstrap(id, secret.expose())
            .await
            .map_err(|e| format!("bootstrap access key: {e}"))?;
    }
    let clients = ClientService::new(store.clone(), master_key.clone(), clock.clone());
    Ok(Services {
        directory: Directory::new(store.clone(), clock.clone()).with_mau_zone(config.mau_zone()?),
        keys,
        clients,
        clock,
        store,
        sign_in,
        master_key,
    })
}
