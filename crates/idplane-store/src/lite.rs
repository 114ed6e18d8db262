//! SQLite reads run whole on connections of their own. sqlx runs each SQLite connection on a
//! worker thread and hands every statement, and every row of its answer, between that thread
//! and the request; a read of several statements in one snapshot pays those hand-offs for
//! each. Here a read is handed whole to one of a few reader threads, each keeping one
//! connection (and the allocations of its page cache) for good: one hand-off there and one
//! back, rows read in place. Writes stay with sqlx's pool. (Run as tokio blocking tasks
//! instead, the reads kept adding threads to the blocking pool, and the allocator's memory
//! with each: the member benchmark's server peaked at 217–254 MiB instead of 120–146.)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use flume::{Receiver, Sender};
use idplane_core::error::{DomainError, DomainResult};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, Row, Rows};
use tokio::sync::oneshot;

use crate::error::internal;
use crate::row::Columns;
use crate::sql::{Bind, Sql};

/// A read as handed to a reader thread: it is given the thread's connection (opened on first
/// use, and again after a failure), and answers its asker itself.
type Job = Box<dyn FnOnce(&mut Option<Connection>, &Path) + Send>;

/// Reader threads over one SQLite database file, each with its connection, taking reads from
/// one queue in turn.
pub(crate) struct Readers {
    jobs: Mutex<Option<Sender<Job>>>,
}

impl Readers {
    /// Starts `size` reader threads; they end when the readers are closed or dropped.
    pub(crate) fn start(path: &Path, size: u32) -> std::io::Result<Arc<Self>> {
        let (jobs, queue) = flume::unbounded::<Job>();
        for i in 0..size.max(1) {
            let queue = queue.clone();
            let path = path.to_owned();
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{i}"))
                .spawn(move || serve(&path, &queue))?;
        }
        Ok(Arc::new(Self {
            jobs: Mutex::new(Some(jobs)),
        }))
    }

    /// Runs `read` on a reader thread's connection. Whatever transaction `read` leaves open
    /// is rolled back before the connection is used again.
    pub(crate) async fn read<T, F>(&self, read: F) -> DomainResult<T>
    where
        F: FnOnce(&Connection) -> DomainResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |slot, path| {
            // The asker may have gone (a dropped request): then nobody reads the answer.
            let _ = answer.send(run(slot, path, read));
        });
        let sent = match self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            return Err(DomainError::internal("database: the store is closed"));
        }
        answered
            .await
            .map_err(|_| DomainError::internal("database: a read ended without an answer"))?
    }

    /// Stops taking reads; each thread ends, closing its connection, once the queue is empty.
    pub(crate) fn close(&self) {
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

/// A reader thread: one read at a time until the queue closes.
fn serve(path: &Path, queue: &Receiver<Job>) {
    let mut slot = None;
    while let Ok(job) = queue.recv() {
        // A read that panics loses its answer (its asker sees an error) and the connection
        // it held, not the thread.
        let _ = catch_unwind(AssertUnwindSafe(|| job(&mut slot, path)));
    }
}

/// Runs `read` on the slot's connection, opening it first if need be.
fn run<T>(
    slot: &mut Option<Connection>,
    path: &Path,
    read: impl FnOnce(&Connection) -> DomainResult<T>,
) -> DomainResult<T> {
    let conn = match slot.take() {
        Some(conn) => conn,
        None => open(path).map_err(internal)?,
    };
    let out = read(&conn);
    // A connection whose transaction cannot end is not used again.
    if conn.is_autocommit() || conn.execute_batch("ROLLBACK").is_ok() {
        *slot = Some(conn);
    }
    out
}

/// A connection as sqlx's are set up (the store opened the file, in WAL mode), that refuses
/// writes.
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(
        "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000; \
         PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// Runs `sql` on `conn` (its statement cached), handing its rows to `each`.
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &Sql,
    each: impl FnOnce(LiteRows<'_>) -> DomainResult<T>,
) -> DomainResult<T> {
    let mut stmt = conn.prepare_cached(sql.text()).map_err(internal)?;
    // `$n` is a named parameter to SQLite, numbered by first appearance: bind each by its name.
    for index in 1..=stmt.parameter_count() {
        let bind = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| sql.binds().get(n.checked_sub(1)?))
            .ok_or_else(|| DomainError::internal("a statement parameter has no value"))?;
        match bind {
            Bind::Text(s) => stmt.raw_bind_parameter(index, s.as_str()),
            Bind::Int(i) => stmt.raw_bind_parameter(index, *i),
        }
        .map_err(internal)?;
    }
    // Asking SQLite for a column's name converts and checks it each time: once per statement.
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let started = Instant::now();
    let out = each(LiteRows {
        rows: stmt.raw_query(),
        names,
    });
    // As sqlx logs the statements it runs (their text, never their values).
    tracing::debug!(
        target: "idplane_store::lite",
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        failed = out.is_err(),
        statement = sql.text(),
    );
    out
}

/// A statement's rows, stepped one at a time.
pub(crate) struct LiteRows<'s> {
    rows: Rows<'s>,
    names: Vec<String>,
}

impl LiteRows<'_> {
    pub(crate) fn next(&mut self) -> DomainResult<Option<LiteRow<'_>>> {
        let names = &self.names;
        Ok(self
            .rows
            .next()
            .map_err(internal)?
            .map(|row| LiteRow { row, names }))
    }
}

/// One row, its columns found by name.
pub(crate) struct LiteRow<'r> {
    row: &'r Row<'r>,
    names: &'r [String],
}

impl LiteRow<'_> {
    fn index(&self, name: &str) -> DomainResult<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DomainError::internal(format!("database: no column {name}")))
    }

    pub(crate) fn get<T: FromSql>(&self, name: &str) -> DomainResult<T> {
        self.row
            .get(self.index(name)?)
            .map_err(|e| DomainError::internal(format!("database: column {name}: {e}")))
    }

    /// Text (or NULL) as SQLite holds it, not copied.
    pub(crate) fn str(&self, name: &str) -> DomainResult<Option<&str>> {
        self.row
            .get_ref(self.index(name)?)
            .and_then(|v| Ok(v.as_str_or_null()?))
            .map_err(|e| DomainError::internal(format!("database: column {name}: {e}")))
    }
}

impl Columns for LiteRow<'_> {
    fn text(&self, name: &str) -> DomainResult<String> {
        self.get(name)
    }

    fn opt_text(&self, name: &str) -> DomainResult<Option<String>> {
        self.get(name)
    }

    fn int(&self, name: &str) -> DomainResult<i64> {
        self.get(name)
    }
}

/// A read transaction: its statements read one snapshot (WAL), fixed by the first.
pub(crate) fn begin(conn: &Connection) -> DomainResult<()> {
    conn.execute_batch("BEGIN").map_err(internal)
}

pub(crate) fn commit(conn: &Connection) -> DomainResult<()> {
    conn.execute_batch("COMMIT").map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(conn: &Connection, sql: &Sql) -> DomainResult<(i64, String)> {
        query(conn, sql, |mut rows| {
            let row = rows
                .next()
                .map_err(internal)?
                .ok_or_else(|| DomainError::internal("no row"))?;
            Ok((
                row.get("i").map_err(internal)?,
                row.get("t").map_err(internal)?,
            ))
        })
    }

    #[test]
    fn binds_parameters_by_number_not_by_appearance() {
        let conn = Connection::open_in_memory().unwrap();
        let mut sql = Sql::new("");
        let t = sql.text_param("x");
        let i = sql.int_param(7);
        sql.push(&format!("SELECT {i} AS i, {t} AS t, {i} + 1 AS j"));
        assert_eq!(pair(&conn, &sql).unwrap(), (7, "x".to_owned()));
    }

    #[test]
    fn a_parameter_without_a_value_is_an_error() {
        let conn = Connection::open_in_memory().unwrap();
        let sql = Sql::new("SELECT $1 AS i, $2 AS t");
        assert!(pair(&conn, &sql).is_err());
    }

    #[tokio::test]
    async fn a_transaction_left_open_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (i INTEGER);")
            .unwrap();
        let readers = Readers::start(&path, 1).unwrap();
        readers.read(begin).await.unwrap();
        let autocommit = readers.read(|conn| Ok(conn.is_autocommit())).await.unwrap();
        assert!(autocommit);
        let refused = readers
            .read(|conn| {
                conn.execute_batch("INSERT INTO t VALUES (1)")
                    .map_err(internal)
            })
            .await;
        assert!(refused.is_err(), "read connections refuse writes");
        readers.close();
        assert!(
            readers.read(|_| Ok(())).await.is_err(),
            "a closed store reads nothing"
        );
    }

    #[tokio::test]
    async fn a_read_that_panics_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        Connection::open(&path).unwrap();
        let readers = Readers::start(&path, 1).unwrap();
        let failed = readers.read(|_| -> DomainResult<()> { panic!("a read failed") });
        assert!(failed.await.is_err());
        let answer = readers.read(|conn| {
            conn.query_row("SELECT 41 + 1", [], |row| row.get::<_, i64>(0))
                .map_err(internal)
        });
        assert_eq!(answer.await.unwrap(), 42, "the thread still serves");
    }
}
