//! Monthly active users: first-activity rows and the sharded pool-month counters kept with them.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crate::SqlStore;
use crate::error::DbError;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::{AccountId, UserPoolUid, UserUid};
use idplane_core::model::activity::{Month, PoolMau};
use idplane_core::store::{ActiveUser, ActivityStore};

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

/// A serialization failure, deadlock or busy database: the transaction may be retried.
fn retryable(e: &DbError) -> bool {
    matches!(e, DbError::Retry(_))
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl SqlStore {
    /// One attempt: insert the (pool, month, user) row; if it is new, grow a counter row.
    async fn record_once(&self, entry: &ActiveUser<'_>) -> Result<bool, DbError> {
        let mut tx = self.db.write().await?;
        let inserted = tx
            .execute(sql!(
                "INSERT INTO activity_users (pool_uid, month, user_uid, first_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                entry.pool_uid.as_str(),
                entry.month.key(),
                entry.user_uid.as_str(),
                entry.at.millis()
            ))
            .await?
            == 1;
        if inserted {
            tx.execute(sql!(
                "INSERT INTO activity_counts (pool_uid, month, shard, account_id, users) \
                 VALUES ($1, $2, $3, $4, 1) ON CONFLICT (pool_uid, month, shard) \
                 DO UPDATE SET users = activity_counts.users + 1",
                entry.pool_uid.as_str(),
                entry.month.key(),
                shard_of(entry.user_uid.as_str()),
                entry.account_id.as_str()
            ))
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
        let sql = sql!(&text, account.as_str(), month.key());
        self.db.fetch_one(sql, figures_from).await?
    }

    /// Whether the (pool, month, user) row exists: a read, so a process that restarted does not
    /// take the write lock again for users already counted.
    async fn recorded(&self, entry: &ActiveUser<'_>) -> Result<bool, DbError> {
        let sql = sql!(
            "SELECT 1 AS one FROM activity_users WHERE pool_uid = $1 AND month = $2 AND user_uid = $3",
            entry.pool_uid.as_str(),
            entry.month.key(),
            entry.user_uid.as_str()
        );
        Ok(self.db.fetch_optional(sql, |_| Ok(())).await?.is_some())
    }
}

/// The figures of one account's pools a row carries (`known` and `counted`, see [`merge`]).
fn figures_from(row: &dyn Columns) -> DomainResult<DomainResult<BTreeMap<String, u64>>> {
    Ok(merge(row.opt_text("known")?, row.opt_text("counted")?))
}

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
        let mut tx = self.db.write().await?;
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
            let shards = tx
                .fetch(sql, |row| {
                    Ok(shard_of(row.str("user_uid")?.unwrap_or_default()))
                })
                .await?;
            for shard in shards {
                if let Some(n) = per_shard.get_mut(usize::try_from(shard).unwrap_or(0)) {
                    *n += 1;
                }
            }
        }
        for (shard, added) in (0i64..).zip(per_shard) {
            if added == 0 {
                continue;
            }
            tx.execute(sql!(
                "INSERT INTO activity_counts (pool_uid, month, shard, account_id, users) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pool_uid, month, shard) \
                 DO UPDATE SET users = activity_counts.users + $5",
                pool.as_str(),
                month.key(),
                shard,
                account.as_str(),
                added
            ))
            .await?;
        }
        tx.commit().await?;
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
        if self.recorded(entry).await? {
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
                Err(e) => return Err(e.into()),
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
            self.db.fetch_one(sql, figures_from).await??
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
            for pool in self.db.fetch(sql, |row| row.text("pool_uid")).await? {
                figures.insert(pool, 0);
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
