//! Monthly active users: first-activity rows and the sharded pool-month counters kept with them.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use idplane_core::error::DomainResult;
use idplane_core::ids::{AccountId, UserPoolUid};
use idplane_core::model::activity::{Month, PoolMau};
use idplane_core::store::{ActiveUser, ActivityStore};
use sqlx::Row;

use crate::SqlStore;
use crate::error::internal;
use crate::sql::Sql;

/// Counter rows per pool-month: first activities of different users mostly touch different
/// rows, so no single row is hot under concurrent sign-ins (PostgreSQL, distributed SQL).
pub const COUNT_SHARDS: u64 = 8;

/// Attempts at a recording transaction that hits a serialization failure or deadlock.
const ATTEMPTS: u32 = 5;

/// The counter row a user's first activity lands on (FNV-1a of the uid: stable everywhere).
pub fn shard_of(user: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    // Below COUNT_SHARDS, so the conversion cannot fail.
    i64::try_from(hash % COUNT_SHARDS).unwrap_or(0)
}

/// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock): the transaction may be retried.
fn retryable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40001" | "40P01")))
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl SqlStore {
    /// One attempt: insert the (pool, month, user) row; if it is new, grow a counter row.
    async fn record_once(&self, entry: &ActiveUser<'_>) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO activity_users (pool_uid, month, user_uid, first_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(entry.pool_uid.as_str().to_owned())
        .bind(entry.month.key())
        .bind(entry.user_uid.as_str().to_owned())
        .bind(entry.at.millis())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            sqlx::query(
                "INSERT INTO activity_counts (pool_uid, month, shard, account_id, users) \
                 VALUES ($1, $2, $3, $4, 1) ON CONFLICT (pool_uid, month, shard) \
                 DO UPDATE SET users = activity_counts.users + 1",
            )
            .bind(entry.pool_uid.as_str().to_owned())
            .bind(entry.month.key())
            .bind(shard_of(entry.user_uid.as_str()))
            .bind(entry.account_id.as_str().to_owned())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Whether the (pool, month, user) row exists: a read, so a process that restarted does not
    /// take the write lock again for users already counted.
    async fn recorded(&self, entry: &ActiveUser<'_>) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "SELECT 1 FROM activity_users WHERE pool_uid = $1 AND month = $2 AND user_uid = $3",
        )
        .bind(entry.pool_uid.as_str().to_owned())
        .bind(entry.month.key())
        .bind(entry.user_uid.as_str().to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }
}

/// `pool_uid IN ($k, …)` over `pools`.
fn in_list(sql: &mut Sql, column: &str, pools: &[UserPoolUid]) {
    let params: Vec<String> = pools.iter().map(|p| sql.text_param(p.as_str())).collect();
    sql.push(&format!(" AND {column} IN ({})", params.join(", ")));
}

#[async_trait]
impl ActivityStore for SqlStore {
    async fn record_active_user(&self, entry: &ActiveUser<'_>) -> DomainResult<bool> {
        if self.recorded(entry).await.map_err(internal)? {
            return Ok(false);
        }
        let mut attempt = 1;
        loop {
            match self.record_once(entry).await {
                Ok(inserted) => return Ok(inserted),
                Err(e) if retryable(&e) && attempt < ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "retrying an activity record");
                    tokio::time::sleep(Duration::from_millis(5 << attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(internal(e)),
            }
        }
    }

    async fn account_maus(&self, account: &AccountId, month: Month) -> DomainResult<Vec<PoolMau>> {
        let live = sqlx::query("SELECT uid FROM user_pools WHERE account_id = $1")
            .bind(account.as_str().to_owned())
            .fetch_all(&self.pool)
            .await
            .map_err(internal)?;
        let mut figures: BTreeMap<String, u64> = BTreeMap::new();
        for row in live {
            figures.insert(row.try_get("uid").map_err(internal)?, 0);
        }
        let counted = sqlx::query(
            "SELECT pool_uid, CAST(SUM(users) AS BIGINT) AS users FROM activity_counts \
             WHERE account_id = $1 AND month = $2 GROUP BY pool_uid",
        )
        .bind(account.as_str().to_owned())
        .bind(month.key())
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        for row in counted {
            let users: i64 = row.try_get("users").map_err(internal)?;
            figures.insert(row.try_get("pool_uid").map_err(internal)?, count(users));
        }
        Ok(figures
            .into_iter()
            .map(|(uid, users)| PoolMau {
                pool_uid: UserPoolUid::from_stored(uid),
                users,
            })
            .collect())
    }

    async fn pool_maus(
        &self,
        account: &AccountId,
        pools: &[UserPoolUid],
        month: Month,
    ) -> DomainResult<Vec<PoolMau>> {
        if pools.is_empty() {
            return Ok(Vec::new());
        }
        // Known: a live pool of the account, or a deleted one with activity in any month.
        let mut sql = Sql::new("SELECT uid FROM user_pools WHERE account_id = $1");
        sql.text_param(account.as_str());
        in_list(&mut sql, "uid", pools);
        let mut history =
            Sql::new(" UNION SELECT pool_uid AS uid FROM activity_counts WHERE account_id = $1");
        history.text_param(account.as_str());
        in_list(&mut history, "pool_uid", pools);
        sql.append(&history);
        let mut figures: BTreeMap<String, u64> = BTreeMap::new();
        for row in sql.query().fetch_all(&self.pool).await.map_err(internal)? {
            figures.insert(row.try_get("uid").map_err(internal)?, 0);
        }
        let mut counts = Sql::new(
            "SELECT pool_uid, CAST(SUM(users) AS BIGINT) AS users FROM activity_counts \
             WHERE account_id = $1 AND month = $2",
        );
        counts.text_param(account.as_str());
        counts.int_param(month.key());
        in_list(&mut counts, "pool_uid", pools);
        counts.push(" GROUP BY pool_uid");
        for row in counts
            .query()
            .fetch_all(&self.pool)
            .await
            .map_err(internal)?
        {
            let users: i64 = row.try_get("users").map_err(internal)?;
            figures.insert(row.try_get("pool_uid").map_err(internal)?, count(users));
        }
        Ok(figures
            .into_iter()
            .map(|(uid, users)| PoolMau {
                pool_uid: UserPoolUid::from_stored(uid),
                users,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(shard_of("alice"), shard_of("alice"));
        let mut seen = [0u32; COUNT_SHARDS as usize];
        for i in 0..8000 {
            let s = shard_of(&format!("0192f5e4-7b3c-7def-8a12-{i:012x}"));
            assert!((0..COUNT_SHARDS as i64).contains(&s));
            seen[s as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 700), "{seen:?}");
    }
}
