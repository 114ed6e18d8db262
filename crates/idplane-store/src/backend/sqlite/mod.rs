//! The SQLite backend, on rusqlite alone: one writer connection and a few reader connections,
//! each on a thread of its own (`thread`). A write leases the writer (one at a time, in
//! order), a snapshot read one of the free readers; the lease sends the connection its
//! statements and, dropped, ends the transaction it left open before the connection serves
//! anyone else. `BEGIN` travels with a transaction's first statement, and a read's end with
//! the next lease's work. Reads outside a transaction need no lease: each statement goes to
//! the queue every reader outside a transaction takes from, so a single-statement read costs
//! one hand-off to a reader and one back. An in-memory database, which other connections
//! cannot see, is read on the writer.

mod migrate;
mod rows;
mod thread;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use idplane_core::error::DomainResult;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use self::rows::db_error;
use self::thread::{Queue, Thread};
use super::DbResult;
use crate::error::{DbError, StoreError};
use crate::row::Columns;
use crate::sql::Sql;
use crate::{StoreOptions, Synchronous};

/// Statements each connection keeps prepared (a user search is many shapes of statement).
const STATEMENT_CACHE: usize = 128;

/// How long a statement waits for a lock another process holds.
const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout = 10000";

/// 16 MiB of page cache per connection (the OS caches the file besides): a scan of 10,000
/// index entries takes a third less time than with 4 MiB, where it re-reads its pages from
/// the OS. Sorts in memory.
const CACHE: &str = "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;";

#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Thread,
    /// Held by the one write (or in-memory read) at a time.
    writing: Arc<AsyncMutex<()>>,
    readers: Vec<Thread>,
    /// Reads outside a transaction, for any reader outside one.
    shared: Queue,
    /// The readers no lease holds, and a permit for each.
    free: Mutex<Vec<usize>>,
    permits: Arc<Semaphore>,
}

/// Which connection a lease holds.
enum Lease {
    Writer {
        _guard: OwnedMutexGuard<()>,
    },
    Reader {
        index: usize,
        _permit: OwnedSemaphorePermit,
    },
    /// No connection of its own: each statement to the readers' shared queue.
    Shared,
}

/// A leased connection; see the module's documentation.
pub(crate) struct Conn {
    inner: Arc<Inner>,
    lease: Lease,
    /// The `BEGIN …` still to be sent with the next statement.
    begin: Option<&'static str>,
    /// Whether a transaction may be open.
    open: bool,
}

fn open_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI
}

/// The writer: WAL, durable as asked, foreign keys enforced.
fn open_writer(file: Option<&Path>, synchronous: Synchronous) -> Result<Connection, DbError> {
    let conn = match file {
        Some(path) => Connection::open_with_flags(path, open_flags()),
        None => Connection::open_in_memory(),
    }
    .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let synchronous = match synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
         PRAGMA foreign_keys = ON; {BUSY_TIMEOUT}; {CACHE}"
    ))
    .map_err(db_error)?;
    Ok(conn)
}

/// A reader: the writer's file (in WAL mode), refusing writes.
fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(&format!("PRAGMA query_only = ON; {BUSY_TIMEOUT}; {CACHE}"))
        .map_err(db_error)?;
    Ok(conn)
}

/// SQLite as built here (`SQLITE_ENABLE_STAT4`) keeps per-value samples besides the
/// per-index statistics, and with them re-plans a statement on every execution whose
/// parameters bound an index range (8–9% of the server's CPU in the member-search benchmark).
/// The per-index statistics (`sqlite_stat1`) plan idplane's searches the same, so the samples
/// are dropped, and the statistics reloaded.
fn drop_value_samples(conn: &Connection) -> Result<(), DbError> {
    let exists = conn
        .prepare("SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat4'")
        .and_then(|mut stmt| stmt.exists([]))
        .map_err(db_error)?;
    if exists
        && conn
            .execute("DELETE FROM sqlite_stat4", [])
            .map_err(db_error)?
            > 0
    {
        conn.execute_batch("ANALYZE sqlite_schema")
            .map_err(db_error)?;
    }
    Ok(())
}

impl Db {
    /// Opens the database at `file` (in memory for none), applies migrations, refreshes the
    /// planner's statistics and starts the readers.
    pub(crate) async fn open(file: Option<&Path>, o: &StoreOptions) -> Result<Self, StoreError> {
        let (owned, synchronous) = (file.map(Path::to_owned), o.synchronous);
        let writer = Thread::start(
            "sqlite-writer".to_owned(),
            move || open_writer(owned.as_deref(), synchronous),
            None,
        )
        .await?;
        writer
            .queue
            .call(|conn| {
                migrate::run(conn)?;
                // Statistics where they are missing or stale (e.g. new indexes).
                conn.execute_batch("PRAGMA optimize = 0x10002")
                    .map_err(db_error)?;
                drop_value_samples(conn).map_err(StoreError::from)
            })
            .await?;
        let (shared, shared_jobs) = Queue::new();
        let mut readers = Vec::new();
        if let Some(path) = file {
            for i in 0..o.size.sqlite.max(1) {
                let path = path.to_owned();
                let reader = Thread::start(
                    format!("sqlite-reader-{i}"),
                    move || open_reader(&path),
                    Some(shared_jobs.clone()),
                )
                .await?;
                readers.push(reader);
            }
        }
        let count = readers.len();
        Ok(Self {
            inner: Arc::new(Inner {
                writer,
                writing: Arc::new(AsyncMutex::new(())),
                readers,
                shared,
                free: Mutex::new((0..count).collect()),
                permits: Arc::new(Semaphore::new(count)),
            }),
        })
    }

    /// Ends every connection's thread once its queued work is done.
    pub(crate) fn close(&self) {
        self.inner.permits.close();
        self.inner.shared.close();
        for reader in &self.inner.readers {
            reader.close();
        }
        self.inner.writer.close();
    }

    async fn lease_writer(&self, begin: Option<&'static str>) -> DbResult<Conn> {
        let guard = Arc::clone(&self.inner.writing).lock_owned().await;
        Ok(Conn {
            inner: Arc::clone(&self.inner),
            lease: Lease::Writer { _guard: guard },
            begin,
            open: false,
        })
    }

    async fn lease_reader(&self, begin: Option<&'static str>) -> DbResult<Conn> {
        if self.inner.readers.is_empty() {
            return self.lease_writer(begin).await;
        }
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| DbError::Other("the store is closed".to_owned()))?;
        let index = self
            .inner
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .ok_or_else(|| DbError::Other("no free reader".to_owned()))?;
        Ok(Conn {
            inner: Arc::clone(&self.inner),
            lease: Lease::Reader {
                index,
                _permit: permit,
            },
            begin,
            open: false,
        })
    }

    pub(crate) async fn write(&self) -> DbResult<Conn> {
        self.lease_writer(Some("BEGIN IMMEDIATE")).await
    }

    pub(crate) async fn writer(&self) -> DbResult<Conn> {
        self.lease_writer(None).await
    }

    pub(crate) async fn snapshot(&self) -> DbResult<Conn> {
        self.lease_reader(Some("BEGIN")).await
    }

    pub(crate) async fn reader(&self) -> DbResult<Conn> {
        if self.inner.readers.is_empty() {
            return self.lease_writer(None).await;
        }
        Ok(Conn {
            inner: Arc::clone(&self.inner),
            lease: Lease::Shared,
            begin: None,
            open: false,
        })
    }

    /// The writer, and every connection opened from now on, plans with the new statistics
    /// (see [`drop_value_samples`]).
    pub(crate) async fn analyze(&self) -> DbResult<()> {
        self.writer()
            .await?
            .call(|conn| {
                conn.execute_batch("ANALYZE").map_err(db_error)?;
                drop_value_samples(conn)
            })
            .await
    }
}

impl Conn {
    fn queue(&self) -> &Queue {
        match &self.lease {
            Lease::Writer { .. } => &self.inner.writer.queue,
            Lease::Reader { index, .. } => self
                .inner
                .readers
                .get(*index)
                .map_or(&self.inner.shared, |reader| &reader.queue),
            Lease::Shared => &self.inner.shared,
        }
    }

    /// Runs `work` on the leased connection, after the transaction's `BEGIN` if it is still
    /// to be sent.
    async fn call<T, F>(&mut self, work: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> DbResult<T> + Send + 'static,
    {
        let begin = self.begin.take();
        self.open |= begin.is_some();
        self.queue()
            .call(move |conn| {
                if let Some(begin) = begin {
                    conn.execute_batch(begin).map_err(db_error)?;
                }
                work(conn)
            })
            .await
    }

    pub(crate) async fn execute(&mut self, sql: Sql) -> DbResult<u64> {
        self.call(move |conn| rows::execute(conn, &sql)).await
    }

    pub(crate) async fn fold<S, F>(&mut self, sql: Sql, state: S, each: F) -> DbResult<S>
    where
        S: Send + 'static,
        F: FnMut(&mut S, &dyn Columns) -> DomainResult<bool> + Send + 'static,
    {
        self.call(move |conn| rows::fold(conn, &sql, state, each))
            .await
    }

    /// Commits a write; a read's transaction is left for the lease's end to close.
    pub(crate) async fn commit(mut self) -> DbResult<()> {
        if !self.open || !matches!(self.lease, Lease::Writer { .. }) {
            return Ok(());
        }
        self.call(|conn| conn.execute_batch("COMMIT").map_err(db_error))
            .await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.open {
            // Queued before the lease is given up: the connection's next work runs after it.
            self.queue().send(Box::new(|conn| {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
            }));
        }
        if let Lease::Reader { index, .. } = self.lease {
            self.inner
                .free
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::sql::sql;

    async fn one_reader() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            size: crate::PoolSize {
                sqlite: 1,
                postgres: 1,
            },
            ..StoreOptions::default()
        };
        let db = Db::open(Some(&dir.path().join("t.db")), &options)
            .await
            .unwrap();
        (dir, db)
    }

    async fn metas(db: &Db) -> i64 {
        let mut reader = db.reader().await.unwrap();
        let sql = Sql::new("SELECT COUNT(*) AS n FROM store_meta");
        let count = |n: &mut i64, row: &dyn Columns| {
            *n = row.int("n")?;
            Ok(false)
        };
        reader.fold(sql, 0, count).await.unwrap()
    }

    #[tokio::test]
    async fn a_lease_left_in_a_transaction_is_rolled_back() {
        let (_dir, db) = one_reader().await;
        let mut snapshot = db.snapshot().await.unwrap();
        snapshot
            .fold(Sql::new("SELECT 1 AS one"), (), |(), _| Ok(true))
            .await
            .unwrap();
        drop(snapshot);
        let mut next = db.snapshot().await.unwrap();
        next.begin = None;
        let autocommit = next.call(|conn| Ok(conn.is_autocommit())).await.unwrap();
        assert!(autocommit, "the next lease starts outside a transaction");

        let mut write = db.write().await.unwrap();
        let insert = sql!("INSERT INTO store_meta (name, value) VALUES ($1, 'x')", "t");
        write.execute(insert).await.unwrap();
        drop(write);
        assert_eq!(metas(&db).await, 0, "the dropped write left nothing");
    }

    #[tokio::test]
    async fn readers_refuse_writes_and_see_commits() {
        let (_dir, db) = one_reader().await;
        let mut reader = db.reader().await.unwrap();
        let insert = sql!("INSERT INTO store_meta (name, value) VALUES ($1, 'x')", "r");
        assert!(reader.execute(insert.clone()).await.is_err());
        let mut write = db.write().await.unwrap();
        write.execute(insert).await.unwrap();
        write.commit().await.unwrap();
        assert_eq!(metas(&db).await, 1);
    }

    #[tokio::test]
    async fn work_that_panics_fails_alone_and_a_closed_store_reads_nothing() {
        let (_dir, db) = one_reader().await;
        let mut reader = db.reader().await.unwrap();
        let failed = reader.call(|_| -> DbResult<()> { panic!("a read failed") });
        assert!(failed.await.is_err());
        assert_eq!(metas(&db).await, 0, "the thread still serves");
        db.close();
        assert!(
            db.reader()
                .await
                .unwrap()
                .execute(Sql::new("SELECT 1"))
                .await
                .is_err()
        );
    }
}
