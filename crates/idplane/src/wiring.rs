//! Building the services from configuration: store, master key, clock, bootstrap key.

use std::os::unix::fs::DirBuilderExt;
use std::sync::Arc;
use std::time::Duration;

use idplane_core::changes::Changes;
use idplane_core::clock::{Clock, SystemClock};
use idplane_core::crypto::MasterKey;
use idplane_core::passwords::PasswordWorkers;
use idplane_core::service::sign_in::SignInLifetimes;
use idplane_core::service::{
    AccessKeyService, ClientService, Directory, SignInService, WorkloadService, canary,
};
use idplane_core::store::{SignInStore, Store};
use idplane_core::throttle::Throttle;
use idplane_store::{SqlStore, StoreOptions};

use crate::config::Config;
use crate::master_key;

pub struct Services {
    pub directory: Directory,
    pub keys: AccessKeyService,
    pub clients: ClientService,
    pub workloads: WorkloadService,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    pub sign_in: SignInService,
    /// Failed authentications, by source address, client and identifier.
    pub throttle: Arc<Throttle>,
    pub master_key: MasterKey,
    /// Changes to cached things, shared with other processes on the same PostgreSQL store.
    pub changes: Changes,
}

/// The data directory, made readable by its owner only when it is created here.
pub fn data_dir(config: &Config) -> Result<(), String> {
    let dir = &config.data_dir;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("creating data dir {}: {e}", dir.display()))
}

/// Opens the store (creating the data dir and applying migrations), proves the master key
/// against it and builds the services.
pub async fn build(config: &Config) -> Result<Services, String> {
    data_dir(config)?;
    let url = config.store_url();
    let options = StoreOptions {
        schema: config.database_schema.clone(),
        synchronous: config.synchronous()?,
        connect_timeout: Duration::from_secs(config.database_connect_timeout_seconds),
        ..StoreOptions::default()
    };
    let store = SqlStore::open(&url, &options)
        .await
        .map_err(|e| format!("opening the store: {e}"))?;
    let sql = Arc::new(store);
    let changes = match sql.change_feed() {
        Some(feed) => Changes::shared(feed),
        None => Changes::new(),
    };
    let passwords =
        PasswordWorkers::per_core().map_err(|e| format!("starting the password threads: {e}"))?;
    let store: Arc<dyn Store> = sql.clone();
    let sign_in: Arc<dyn SignInStore> = sql;
    let master_key = master_key::load(config)?;
    canary::prove_master_key(store.as_ref(), &master_key)
        .await
        .map_err(|e| format!("checking the master key: {e}"))?;
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
    let clients = ClientService::new(
        store.clone(),
        master_key.clone(),
        clock.clone(),
        changes.clone(),
    );
    let directory = Directory::new(store.clone(), clock.clone(), passwords, changes.clone())
        .with_mau_zone(config.mau_zone()?);
    let throttle = Arc::new(Throttle::new(config.throttle()?));
    let sign_in = SignInService::new(
        sign_in,
        directory.clone(),
        clock.clone(),
        throttle.clone(),
        SignInLifetimes::default(),
    )
    .await
    .map_err(|e| format!("preparing sign-in: {e}"))?;
    let workloads = WorkloadService::new(store.clone(), clock.clone());
    Ok(Services {
        directory,
        keys,
        clients,
        workloads,
        clock,
        store,
        sign_in,
        throttle,
        master_key,
        changes,
    })
}
