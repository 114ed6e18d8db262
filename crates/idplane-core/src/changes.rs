//! Changes to what processes keep in memory (pools, clients, signing keys), announced by the
//! services that make them and seen by every process sharing the store.
//!
//! Each process counts changes in a [`Changes`]; read caches remember the count they were
//! filled at and serve an entry only while the count has not moved. A service that changes a
//! cached thing calls [`Changes::changed`] after its write committed: the count moves at once in
//! its own process, and the store's [`ChangeFeed`] records the change for the others. Each
//! process watches the feed ([`Changes::watch`], every [`WATCH_EVERY`]) and moves its count when
//! the feed moved. While the feed cannot be read, the caches serve nothing, so a process cut off
//! from the feed reads through to the store rather than trusting what it holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::error::DomainResult;

/// How often a process looks at the feed: the bound on how long another process's change takes
/// to reach this one's caches (plus one store round trip).
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// The store's record of changes, shared by every process on that store.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Records that something cached changed (after the change itself committed).
    async fn announce(&self) -> DomainResult<()>;
    /// A number that moves whenever a change is announced, by any process.
    async fn latest(&self) -> DomainResult<i64>;
}

#[derive(Clone)]
pub struct Changes {
    count: Arc<AtomicU64>,
    in_sync: Arc<AtomicBool>,
    feed: Option<Arc<dyn ChangeFeed>>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes")
            .field("count", &self.count.load(Ordering::Relaxed))
            .field("in_sync", &self.in_sync.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for Changes {
    fn default() -> Self {
        Self::new()
    }
}

impl Changes {
    /// Changes of this process alone (tests, tools that share their store with nobody).
    pub fn new() -> Self {
        Self {
            count: Arc::new(AtomicU64::new(0)),
            in_sync: Arc::new(AtomicBool::new(true)),
            feed: None,
        }
    }

    /// Changes shared through `feed`; caches serve nothing until the feed was first read.
    pub fn shared(feed: Arc<dyn ChangeFeed>) -> Self {
        Self {
            count: Arc::new(AtomicU64::new(0)),
            in_sync: Arc::new(AtomicBool::new(false)),
            feed: Some(feed),
        }
    }

    /// Something cached changed in this process: its caches drop it at once, the others when
    /// they next watch the feed.
    pub async fn changed(&self) {
        self.bump();
        if let Some(feed) = &self.feed
            && let Err(e) = feed.announce().await
        {
            // The write itself committed; other processes' entries still expire.
            tracing::warn!(error = %e, "announcing a change to other processes failed");
        }
    }

    /// Moves this process's count without telling anyone else.
    pub fn bump(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    /// The count to fill a cache entry at and to check it against; `None` while this process
    /// cannot tell whether others changed something.
    pub fn current(&self) -> Option<u64> {
        self.in_sync
            .load(Ordering::Acquire)
            .then(|| self.count.load(Ordering::Acquire))
    }

    /// Reads the feed once: moves the count when the feed moved since `seen`.
    pub async fn watch(&self, seen: &mut Option<i64>) {
        let Some(feed) = &self.feed else { return };
        match feed.latest().await {
            Ok(latest) => {
                if *seen != Some(latest) {
                    self.bump();
                    *seen = Some(latest);
                }
                self.in_sync.store(true, Ordering::Release);
            }
            Err(e) => {
                if self.in_sync.swap(false, Ordering::AcqRel) {
                    tracing::warn!(error = %e, "reading the change feed failed; caches are off");
                }
                // Whatever is cached may be stale by the time the feed is back.
                self.bump();
                *seen = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    use crate::error::DomainError;

    struct Feed {
        at: AtomicI64,
        broken: AtomicBool,
    }

    #[async_trait]
    impl ChangeFeed for Feed {
        async fn announce(&self) -> DomainResult<()> {
            self.at.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        async fn latest(&self) -> DomainResult<i64> {
            if self.broken.load(Ordering::SeqCst) {
                return Err(DomainError::internal("unreachable"));
            }
            Ok(self.at.load(Ordering::SeqCst))
        }
    }

    #[tokio::test]
    async fn another_process_change_moves_the_count_when_watched() {
        let feed = Arc::new(Feed {
            at: AtomicI64::new(7),
            broken: AtomicBool::new(false),
        });
        let here = Changes::shared(feed.clone());
        let there = Changes::shared(feed.clone());
        assert_eq!(
            here.current(),
            None,
            "nothing is trusted before the feed was read"
        );
        let mut seen = None;
        here.watch(&mut seen).await;
        let before = here.current().unwrap();
        here.watch(&mut seen).await;
        assert_eq!(
            here.current(),
            Some(before),
            "an unmoved feed keeps the count"
        );

        there.changed().await;
        assert_eq!(here.current(), Some(before));
        here.watch(&mut seen).await;
        assert_ne!(here.current(), Some(before));

        feed.broken.store(true, Ordering::SeqCst);
        here.watch(&mut seen).await;
        assert_eq!(
            here.current(),
            None,
            "a feed that cannot be read turns caches off"
        );
        feed.broken.store(false, Ordering::SeqCst);
        here.watch(&mut seen).await;
        assert!(here.current().is_some());
    }

    #[tokio::test]
    async fn a_local_change_moves_the_count_at_once() {
        let changes = Changes::new();
        let before = changes.current().unwrap();
        changes.changed().await;
        assert_ne!(changes.current().unwrap(), before);
    }
}
