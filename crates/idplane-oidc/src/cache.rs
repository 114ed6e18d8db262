//! Short-lived read caches of pools and clients for the data plane's hot paths (every token
//! request needs both). An entry is served while the change count it was filled at holds (see
//! `idplane_core::changes`: a change by this process drops it at once, one by another process
//! within the feed's watch interval) and never longer than [`TTL`], the bound should a change
//! fail to be announced.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use idplane_core::changes::Changes;

pub const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 100_000;

pub struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, (Instant, u64, V)>>,
    changes: Changes,
}

impl<K: Eq + Hash + Clone, V: Clone> ReadCache<K, V> {
    pub fn new(changes: Changes) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            changes,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().ok()?;
        let (at, version, value) = entries.get(key)?;
        (at.elapsed() < TTL && Some(*version) == self.changes.current()).then(|| value.clone())
    }

    /// Stores `value` as read when the change count was `version` (read it before loading);
    /// nothing when the count was unknown.
    pub fn put(&self, key: K, version: Option<u64>, value: V) {
        let Some(version) = version else { return };
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), version, value));
        }
    }

    pub fn version(&self) -> Option<u64> {
        self.changes.current()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_drops_entries() {
        let changes = Changes::new();
        let cache = ReadCache::new(changes.clone());
        cache.put("a", cache.version(), 1);
        assert_eq!(cache.get(&"a"), Some(1));
        changes.bump();
        assert_eq!(cache.get(&"a"), None);
        // A value loaded before the change is never served after it.
        let stale_version = cache.version().map(|v| v - 1);
        cache.put("b", stale_version, 2);
        assert_eq!(cache.get(&"b"), None);
    }
}
