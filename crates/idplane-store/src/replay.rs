//! Signed requests claimed once: on PostgreSQL a table every process sharing the database
//! checks (`used_requests`); on SQLite, where one server at a time holds the database (its lock
//! file), that server's memory, which costs a request no write.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::SqlStore;
use crate::sql::sql;
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::DomainResult;
use idplane_core::store::{Claim, ReplayStore};

/// The most requests remembered in memory; past it, claims fail until some expire.
const MAX_REMEMBERED: usize = 2_000_000;

/// Requests seen, by key, with their action and when each may be forgotten.
#[derive(Default)]
pub(crate) struct Seen {
    entries: Mutex<SeenEntries>,
}

#[derive(Default)]
struct SeenEntries {
    by_key: HashMap<[u8; 32], (String, i64)>,
    pruned_at: i64,
}

impl Seen {
    /// `None` when memory is full.
    fn claim(&self, key: &[u8; 32], action: &str, expires_at: i64, now: i64) -> Option<Claim> {
        let mut e = self.entries.lock().ok()?;
        if e.by_key.len() >= MAX_REMEMBERED / 2 && now - e.pruned_at > 1000 {
            e.by_key.retain(|_, (_, until)| *until > now);
            e.pruned_at = now;
        }
        match e.by_key.get(key) {
            Some((seen, until)) if *until > now => Some(Claim::Again {
                action: seen.clone(),
            }),
            _ if e.by_key.len() >= MAX_REMEMBERED => None,
            _ => {
                e.by_key.insert(*key, (action.to_owned(), expires_at));
                Some(Claim::First)
            }
        }
    }
}

#[async_trait]
impl ReplayStore for SqlStore {
    async fn claim(
        &self,
        key: &[u8; 32],
        action: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> DomainResult<Claim> {
        let now = now.millis();
        if !self.db.shared() {
            return Ok(self
                .seen
                .claim(key, action, expires_at.millis(), now)
                .unwrap_or(Claim::Again {
                    action: String::new(),
                }));
        }
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let mut writer = self.db.writer().await?;
        let inserted = writer
            .execute(sql!(
                "INSERT INTO used_requests (request, action, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (request) DO NOTHING",
                hex.as_str(),
                action,
                expires_at.millis()
            ))
            .await?;
        if key[0] == 0 {
            // One claim in 256 sweeps what may be forgotten.
            writer
                .execute(sql!("DELETE FROM used_requests WHERE expires_at < $1", now))
                .await?;
        }
        if inserted == 1 {
            return Ok(Claim::First);
        }
        let sql = sql!("SELECT action FROM used_requests WHERE request = $1", hex);
        let action = writer
            .fetch_optional(sql, |row| row.text("action"))
            .await?
            .unwrap_or_default();
        Ok(Claim::Again { action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_claimed_once_until_it_expires() {
        let seen = Seen::default();
        let key = [7u8; 32];
        assert_eq!(seen.claim(&key, "A", 1_000, 0), Some(Claim::First));
        assert_eq!(
            seen.claim(&key, "B", 1_000, 500),
            Some(Claim::Again {
                action: "A".to_owned()
            })
        );
        assert_eq!(seen.claim(&key, "B", 3_000, 1_001), Some(Claim::First));
        assert_eq!(seen.claim(&[8u8; 32], "A", 1_000, 500), Some(Claim::First));
    }
}
