//! Use cases: each public method is one thing a caller can ask of the directory.

use std::sync::Arc;

use crate::clock::{Clock, Timestamp};
use crate::store::Store;

pub mod access_keys;
pub mod departments;
pub mod groups;
pub mod pools;
pub mod users;
mod validate;

pub use access_keys::{AccessKeyService, CreatedAccessKey, KeyMaterial};
pub use pools::PoolAccess;

/// The directory's use cases over one store.
#[derive(Clone)]
pub struct Directory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Directory {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
