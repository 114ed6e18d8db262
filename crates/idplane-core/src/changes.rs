//! A process-wide count of control-plane changes, so read caches elsewhere in the process (the
//! data plane's pools and clients) drop what a local change made stale at once. Changes made
//! by other processes reach those caches when their entries expire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Changes(Arc<AtomicU64>);

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Something may have changed.
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::Release);
    }

    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
}
