//! Use cases: each public method is one thing a caller can ask of the directory.

use std::sync::Arc;

use crate::changes::Changes;
use crate::clock::{Clock, Timestamp};
use crate::model::activity::MauZone;
use crate::passwords::PasswordWorkers;
use crate::store::Store;

pub mod access_keys;
pub mod activity;
pub mod canary;
mod client_rules;
pub mod clients;
pub mod custom_attributes;
pub mod department_batch;
pub mod departments;
pub mod groups;
mod memberships;
pub mod pools;
pub mod sign_in;
pub mod users;
mod validate;
mod well_known;
pub mod workload_identities;
pub mod workloads;

pub use access_keys::{AccessKeyService, CreatedAccessKey, KeyMaterial};
pub use clients::ClientService;
pub use pools::{PoolAccess, PoolDetails};
pub use sign_in::SignInService;
pub use workloads::WorkloadService;

/// The directory's use cases over one store.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    activity: Arc<activity::ActivityMeter>,
    passwords: Arc<PasswordWorkers>,
    changes: Changes,
}

impl Directory {
    /// A directory counting monthly active users in UTC months, hashing passwords on
    /// `passwords` and announcing changes of pools on `changes`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: Arc<PasswordWorkers>,
        changes: Changes,
    ) -> Self {
        let activity =
            activity::ActivityMeter::new(MauZone::utc(), activity::DEFAULT_REMEMBERED_USERS);
        Self {
            store,
            clock,
            activity: Arc::new(activity),
            passwords,
            changes,
        }
    }

    /// Counts monthly active users in the calendar months of `zone`.
    pub fn with_mau_zone(mut self, zone: MauZone) -> Self {
        self.activity = Arc::new(activity::ActivityMeter::new(
            zone,
            activity::DEFAULT_REMEMBERED_USERS,
        ));
        self
    }

    /// The threads passwords are hashed and checked on.
    pub fn passwords(&self) -> &Arc<PasswordWorkers> {
        &self.passwords
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
