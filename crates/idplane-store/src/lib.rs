//! idplane's storage: the domain's storage traits implemented once in SQL over sqlx's `Any`
//! driver, for SQLite (the embedded default) and PostgreSQL, with one migrations folder per
//! dialect applied at start. On SQLite, the busiest reads (access keys, pools, user searches)
//! run on reader threads of their own (`lite`).

mod accounts;
mod activity;
mod bulk;
mod change_feed;
mod clients;
mod custom_attributes;
mod departments;
mod error;
mod files;
mod groups;
mod identifiers;
mod lite;
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

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use idplane_core::error::DomainResult;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use error::StoreError;

use crate::row::Columns;
use crate::sql::Sql;

/// Which SQL dialect a store speaks; only migrations, transaction start, row locks, how deep
/// member pages are sorted and which connections run reads (SQLite's reader threads) differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The storage traits of `idplane-core` over one SQL database.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite's reader threads, for the reads that use them (none for an in-memory database,
    /// which other connections cannot see).
    readers: Option<Arc<lite::Readers>>,
    /// Requests accepted once, on SQLite (see `replay`).
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

    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "PRAGMA synchronous = FULL",
            Self::Normal => "PRAGMA synchronous = NORMAL",
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
    pub sqlite: u32,
    pub postgres: u32,
}

impl Default for PoolSize {
    /// SQLite's searches are CPU-bound, so a few connections serve a small machine best (as
    /// many again on the reader threads, see `lite`); PostgreSQL works in its own processes.
    fn default() -> Self {
        Self {
            sqlite: 4,
            postgres: 16,
        }
    }
}

fn dialect_of(url: &str) -> Result<Dialect, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Dialect::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else {
        Err(StoreError::Config(
            "the database URL must start with sqlite: or postgres://".to_owned(),
        ))
    }
}

fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
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
        sqlx::any::install_default_drivers();
        match dialect_of(url)? {
            Dialect::Sqlite => {
                let file = files::sqlite_file(url);
                if let Some(file) = &file {
                    files::prepare(file)?;
                }
                Self::open_once(url, options, true)
                    .await
                    .map_err(|e| match &file {
                        Some(path) => StoreError::Config(format!(
                            "opening the SQLite database {}: {e}",
                            path.display()
                        )),
                        None => e,
                    })
            }
            Dialect::Postgres => {
                files::reach_postgres(url, options.connect_timeout).await?;
                Self::open_once(url, options, true).await
            }
        }
    }

    /// Opens the store; `tidy` allows one reconnect after the SQLite statistics were tidied.
    async fn open_once(url: &str, o: &StoreOptions, tidy: bool) -> Result<Self, StoreError> {
        let (schema, size, synchronous) = (o.schema.as_deref(), o.size, o.synchronous);
        let dialect = dialect_of(url)?;
        let url = match dialect {
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let schema = match (dialect, schema) {
            (Dialect::Postgres, Some(s)) => {
                if !valid_schema(s) {
                    return Err(StoreError::Config(format!(
                        "schema {s:?} must be 1 to 63 letters, digits or _"
                    )));
                }
                let setup = AnyPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await?;
                setup
                    .execute(sqlx::AssertSqlSafe(format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{s}\""
                    )))
                    .await
                    .or_else(ignore_concurrent_create)?;
                setup.close().await;
                Some(s.to_owned())
            }
            _ => None,
        };
        let max = match dialect {
            Dialect::Sqlite => size.sqlite,
            Dialect::Postgres => size.postgres,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            // An SQLite connection is a handle in this process: pinging it before each use
            // (a round trip to its worker thread) tests nothing. A PostgreSQL connection may
            // have been dropped by the server or a proxy, so it is still tested.
            .test_before_acquire(dialect == Dialect::Postgres)
            .acquire_timeout(o.connect_timeout.max(Duration::from_secs(1)))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    match dialect {
                        Dialect::Sqlite => {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute(synchronous.pragma()).await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            // 16 MiB of page cache per connection (64 MiB for the default
                            // four; the OS caches the file besides): a scan of 10,000 index
                            // entries takes a third less time than with 4 MiB, where it
                            // re-reads its pages from the OS. Sorts in memory.
                            conn.execute("PRAGMA cache_size = -16384").await?;
                            conn.execute("PRAGMA temp_store = MEMORY").await?;
                        }
                        Dialect::Postgres => {
                            if let Some(s) = schema {
                                conn.execute(sqlx::AssertSqlSafe(format!(
                                    "SET search_path TO \"{s}\""
                                )))
                                .await?;
                            }
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrator = match dialect {
            Dialect::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&pool).await?;
        if dialect == Dialect::Sqlite {
            // Refresh planner statistics where they are missing or stale (e.g. new indexes),
            // then reconnect so every connection plans with the statistics as they are now.
            pool.execute("PRAGMA optimize = 0x10002").await?;
            if drop_value_samples(&pool).await? && tidy {
                pool.close().await;
                return Box::pin(Self::open_once(url.as_str(), o, false)).await;
            }
        }
        let readers = match dialect {
            Dialect::Sqlite => match database_file(&pool).await? {
                Some(path) => Some(
                    lite::Readers::start(&path, size.sqlite)
                        .map_err(|e| StoreError::Config(format!("reader threads: {e}")))?,
                ),
                None => None,
            },
            Dialect::Postgres => None,
        };
        let store = Self {
            pool,
            dialect,
            readers,
            seen: Arc::new(replay::Seen::default()),
        };
        store.fill_identifiers().await?;
        Ok(store)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Closes every connection (for tests that reopen the same database).
    pub async fn close(&self) {
        if let Some(readers) = &self.readers {
            readers.close();
        }
        self.pool.close().await;
    }

    /// Starts a read-only transaction whose statements all read one snapshot: on SQLite the
    /// first read fixes it (WAL), on PostgreSQL repeatable read does.
    async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin().await,
            Dialect::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await
            }
        }
    }

    /// The first row `sql` reads, by `read`: on SQLite's read connections where there are
    /// any (a single-row read, such as a request's access key, then costs one hand-off
    /// between threads), else on the pool.
    async fn read_optional<T: Send + 'static>(
        &self,
        sql: Sql,
        read: fn(&dyn Columns) -> DomainResult<T>,
    ) -> DomainResult<Option<T>> {
        if let Some(readers) = &self.readers {
            return readers
                .read(move |conn| {
                    lite::query(conn, &sql, |mut rows| {
                        rows.next()?.map(|row| read(&row)).transpose()
                    })
                })
                .await;
        }
        let row = sql
            .query()
            .fetch_optional(&self.pool)
            .await
            .map_err(error::internal)?;
        row.as_ref().map(|row| read(row)).transpose()
    }

    /// Starts a write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`) so
    /// concurrent writers wait for each other instead of failing on a lock upgrade.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.pool.begin().await,
        }
    }
}

/// SQLite as built here (`SQLITE_ENABLE_STAT4`) keeps per-value samples besides the per-index
/// statistics, and with them re-plans a statement on every execution whose parameters bound an
/// index range (8–9% of the server's CPU in the member-search benchmark). The per-index
/// statistics (`sqlite_stat1`) plan idplane's searches the same, so the samples are dropped.
/// Returns whether there were any.
async fn drop_value_samples(pool: &AnyPool) -> Result<bool, sqlx::Error> {
    let exists = sqlx::query("SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat4'")
        .fetch_optional(pool)
        .await?
        .is_some();
    if !exists {
        return Ok(false);
    }
    let dropped = pool.execute("DELETE FROM sqlite_stat4").await?;
    Ok(dropped.rows_affected() > 0)
}

/// The file of an SQLite database, as SQLite resolved it; `None` for an in-memory one.
async fn database_file(pool: &AnyPool) -> Result<Option<PathBuf>, sqlx::Error> {
    let file: Option<String> =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(pool)
            .await?;
    Ok(file.filter(|f| !f.is_empty()).map(PathBuf::from))
}

/// Two processes creating the same schema at once: the loser's error is harmless.
fn ignore_concurrent_create(e: sqlx::Error) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
            Ok(sqlx::any::AnyQueryResult::default())
        }
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    async fn synchronous_of(store: &SqlStore) -> i64 {
        sqlx::query_scalar::<_, i64>("PRAGMA synchronous")
            .fetch_one(&store.pool)
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
