//! idplane's storage: the domain's storage traits implemented once in SQL, each query written
//! once as an [`sql::Sql`] value and each kind of row read once through [`row::Columns`], for
//! SQLite (the embedded default) and PostgreSQL.
//!
//! Each database has one typed driver behind the `backend` module, and nothing outside it
//! asks which database it is:
//!
//! - SQLite runs on rusqlite alone: one writer connection and reader connections, each on a
//!   thread of its own. Every read outside a write runs on a reader, each statement handed to
//!   its thread whole with its rows read there (sqlx's per-statement and per-row hand-offs to
//!   its SQLite worker cost a third of the member benchmark): single reads on N readers that
//!   share one queue, snapshots (several statements reading one state) on N readers leased
//!   whole. Writes lease the writer.
//!   Migrations (`migrations/sqlite`) are applied by the backend and recorded in sqlx's table,
//!   so databases made by sqlx's migrator open unchanged.
//! - PostgreSQL runs on sqlx's `PgPool`, migrations (`migrations/postgres`) by
//!   `sqlx::migrate!`.
//!
//! What the databases do differently is a question the backend answers by name: the row lock
//! a statement ends with, whether other processes share the store, how a deep page is sorted.

mod accounts;
mod activity;
mod attribute_values;
mod backend;
mod bulk;
mod change_feed;
mod clients;
mod custom_attributes;
mod departments;
mod error;
mod files;
mod groups;
mod identifiers;
mod member_select;
pub(crate) mod memberships;
mod meta;
mod paging;
mod pools;
mod replay;
mod row;
mod sign_in;
mod sql;
mod user_pages;
mod user_query;
mod users;
mod workloads;

use std::sync::Arc;
use std::time::Duration;

pub use error::StoreError;

use crate::backend::Db;

/// The storage traits of `idplane-core` over one SQL database.
#[derive(Clone)]
pub struct SqlStore {
    db: Db,
    /// Requests accepted once, where no other process shares the store (see `replay`).
    seen: Arc<replay::Seen>,
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged, even across a power loss.
    #[default]
    Full,
    /// Commits survive a crash of the process but the last ones may be lost to a power loss
    /// or an operating-system crash (WAL checkpoints are still synced).
    Normal,
}

impl Synchronous {
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "full" => Some(Self::Full),
            "normal" => Some(Self::Normal),
            _ => None,
        }
    }
}

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The PostgreSQL schema to keep the tables in (created if missing).
    pub schema: Option<String>,
    pub size: PoolSize,
    pub synchronous: Synchronous,
    /// How long to wait for the database to accept a connection.
    pub connect_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            schema: None,
            size: PoolSize::default(),
            synchronous: Synchronous::default(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// How many connections a store keeps.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    /// SQLite's readers of each kind: this many for single reads and as many for snapshots,
    /// besides the one writer.
    pub sqlite: u32,
    pub postgres: u32,
}

impl Default for PoolSize {
    /// SQLite's searches are CPU-bound, so a few readers serve a small machine best;
    /// PostgreSQL works in its own processes.
    fn default() -> Self {
        Self {
            sqlite: 4,
            postgres: 16,
        }
    }
}

impl SqlStore {
    /// Opens `sqlite://path` (created if missing) or `postgres://…`, and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, &StoreOptions::default()).await
    }

    /// Like [`SqlStore::connect`], keeping PostgreSQL tables in `schema` (created if missing).
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let options = StoreOptions {
            schema: Some(schema.to_owned()),
            ..StoreOptions::default()
        };
        Self::open(url, &options).await
    }

    pub async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let store = Self {
            db: Db::open(url, options).await?,
            seen: Arc::new(replay::Seen::default()),
        };
        store.fill_identifiers().await?;
        store.fill_attribute_values().await?;
        Ok(store)
    }

    /// Closes every connection (for tests that reopen the same database).
    pub async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    async fn synchronous_of(store: &SqlStore) -> i64 {
        let mut writer = store.db.writer().await.unwrap();
        writer
            .fetch_one(sql::Sql::new("PRAGMA synchronous"), |row| {
                row.int("synchronous")
            })
            .await
            .unwrap()
    }

    /// A commit is on disk before it is acknowledged unless `normal` is asked for.
    #[tokio::test]
    async fn sqlite_commits_are_durable_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        let store = SqlStore::connect(&url).await.unwrap();
        assert_eq!(synchronous_of(&store).await, 2, "FULL");
        store.close().await;
        let url = format!("sqlite://{}", dir.path().join("b.db").display());
        let options = StoreOptions {
            synchronous: Synchronous::Normal,
            ..StoreOptions::default()
        };
        let store = SqlStore::open(&url, &options).await.unwrap();
        assert_eq!(synchronous_of(&store).await, 1, "NORMAL");
        store.close().await;
    }
}
