//! Monthly active users: first-activity rows and the sharded pool-month counters kept with them.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::{AccountId, UserPoolUid, UserUid};
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

    /// Every live pool of the account (0 each) and every pool with figures in the month.
    async fn account_figures(
        &self,
        account: &AccountId,
        month: Month,
    ) -> DomainResult<BTreeMap<String, u64>> {
        let text = format!(
            "SELECT (SELECT string_agg(uid, ',') FROM user_pools WHERE account_id = $1) AS known, {}",
            counted_column("")
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(text))
            .bind(account.as_str().to_owned())
            .bind(month.key())
            .fetch_one(&self.pool)
            .await
            .map_err(internal)?;
        merge(
            row.try_get("known").map_err(internal)?,
            row.try_get("counted").map_err(internal)?,
        )
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

/// Named pools past which a read takes the whole account and keeps the pools asked for.
const LONG_LIST: usize = 64;

/// Users per INSERT in [`SqlStore::bulk_record_activity`]: one parameter each.
const BULK_ROWS: usize = 4000;

impl SqlStore {
    /// Records many users of one pool as active in `month`, many rows per statement and one
    /// transaction for all (imports, seeding benchmarks). Exact like single records: the
    /// counters grow by the rows actually inserted. Returns how many users were new.
    pub async fn bulk_record_activity(
        &self,
        account: &AccountId,
        pool: &UserPoolUid,
        month: Month,
        users: &[UserUid],
        at: Timestamp,
    ) -> DomainResult<u64> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        let mut per_shard = [0i64; COUNT_SHARDS as usize];
        for chunk in users.chunks(BULK_ROWS) {
            let mut sql = Sql::new(
                "INSERT INTO activity_users (pool_uid, month, user_uid, first_at) VALUES ",
            );
            let (p, m, t) = (
                sql.text_param(pool.as_str()),
                sql.int_param(month.key()),
                sql.int_param(at.millis()),
            );
            let rows: Vec<String> = chunk
                .iter()
                .map(|u| format!("({p}, {m}, {}, {t})", sql.text_param(u.as_str())))
                .collect();
            sql.push(&rows.join(", "));
            sql.push(" ON CONFLICT DO NOTHING RETURNING user_uid");
            for row in sql.query().fetch_all(&mut *tx).await.map_err(internal)? {
                let uid: String = row.try_get("user_uid").map_err(internal)?;
                let shard = usize::try_from(shard_of(&uid)).unwrap_or(0);
                if let Some(n) = per_shard.get_mut(shard) {
                    *n += 1;
                }
            }
        }
        for (shard, added) in (0i64..).zip(per_shard) {
            if added == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO activity_counts (pool_uid, month, shard, account_id, users) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pool_uid, month, shard) \
                 DO UPDATE SET users = activity_counts.users + $5",
            )
            .bind(pool.as_str().to_owned())
            .bind(month.key())
            .bind(shard)
            .bind(account.as_str().to_owned())
            .bind(added)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(per_shard.iter().map(|&n| count(n)).sum())
    }
}

/// `$k, …` for `pools`, to use in `IN (…)` lists (a list may be used several times).
fn in_list(sql: &mut Sql, pools: &[UserPoolUid]) -> String {
    let params: Vec<String> = pools.iter().map(|p| sql.text_param(p.as_str())).collect();
    params.join(", ")
}

/// The figures of a month as one text column, `uid:count,…`: with a thousand pools the
/// drivers' cost per row outweighs the query, so each read answers one row.
fn counted_column(pool_filter: &str) -> String {
    format!(
        "(SELECT string_agg(pool_uid || ':' || CAST(n AS TEXT), ',') FROM \
         (SELECT pool_uid, SUM(users) AS n FROM activity_counts \
          WHERE account_id = $1 AND month = $2{pool_filter} GROUP BY pool_uid) c) AS counted"
    )
}

/// Reads `uid,…` (known pools, each 0) and `uid:count,…` (figures) into one map.
fn merge(known: Option<String>, counted: Option<String>) -> DomainResult<BTreeMap<String, u64>> {
    let mut figures = BTreeMap::new();
    for uid in known.iter().flat_map(|k| k.split(',')) {
        figures.insert(uid.to_owned(), 0);
    }
    for item in counted.iter().flat_map(|c| c.split(',')) {
        let (uid, n) = item
            .rsplit_once(':')
            .and_then(|(uid, n)| Some((uid, n.parse::<u64>().ok()?)))
            .ok_or_else(|| DomainError::internal(format!("stored figure {item:?}")))?;
        figures.insert(uid.to_owned(), n);
    }
    Ok(figures)
}

fn into_maus(figures: BTreeMap<String, u64>) -> Vec<PoolMau> {
    figures
        .into_iter()
        .map(|(uid, users)| PoolMau {
            pool_uid: UserPoolUid::from_stored(uid),
            users,
        })
        .collect()
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
        Ok(into_maus(self.account_figures(account, month).await?))
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
        let mut figures = if pools.len() > LONG_LIST {
            // Reading the whole account beats planning long IN lists.
            let asked: HashSet<&str> = pools.iter().map(UserPoolUid::as_str).collect();
            let mut all = self.account_figures(account, month).await?;
            all.retain(|uid, _| asked.contains(uid.as_str()));
            all
        } else {
            let mut sql = Sql::new("");
            sql.text_param(account.as_str());
            sql.int_param(month.key());
            let list = in_list(&mut sql, pools);
            sql.push(&format!(
                "SELECT (SELECT string_agg(uid, ',') FROM user_pools \
                 WHERE account_id = $1 AND uid IN ({list})) AS known, {}",
                counted_column(&format!(" AND pool_uid IN ({list})"))
            ));
            let row = sql.query().fetch_one(&self.pool).await.map_err(internal)?;
            merge(
                row.try_get("known").map_err(internal)?,
                row.try_get("counted").map_err(internal)?,
            )?
        };
        // Pools neither live nor active that month may be deleted pools with older history.
        let missing: Vec<UserPoolUid> = pools
            .iter()
            .filter(|p| !figures.contains_key(p.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            let mut sql = Sql::new("");
            sql.text_param(account.as_str());
            let list = in_list(&mut sql, &missing);
            sql.push(&format!(
                "SELECT DISTINCT pool_uid FROM activity_counts \
                 WHERE account_id = $1 AND pool_uid IN ({list})"
            ));
            for row in sql.query().fetch_all(&self.pool).await.map_err(internal)? {
                figures.insert(row.try_get("pool_uid").map_err(internal)?, 0);
            }
        }
        Ok(into_maus(figures))
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
