//! SQLite reads run whole on connections of their own. sqlx runs each SQLite connection on a
//! worker thread and hands every statement, and every row of its answer, between that thread
//! and the request; a read of several statements in one snapshot pays those hand-offs for
//! each. Here such a read runs as one blocking task on an idle read connection: one hand-off
//! there and one back, rows read in place. Writes stay with sqlx's pool.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use idplane_core::error::{DomainError, DomainResult};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags, Row, Rows};
use tokio::sync::Semaphore;

use crate::error::internal;
use crate::row::Columns;
use crate::sql::{Bind, Sql};

/// Up to `size` read connections to one SQLite database file, opened when first needed.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: &Path, size: u32) -> Arc<Self> {
        let size = usize::try_from(size.max(1)).unwrap_or(1);
        Arc::new(Self {
            path: path.to_owned(),
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
        })
    }

    /// Runs `read` on a read connection, on a blocking thread. Whatever transaction `read`
    /// leaves open is rolled back before the connection is used again.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, read: F) -> DomainResult<T>
    where
        F: FnOnce(&Connection) -> DomainResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(internal)?;
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = readers.take()?;
            let out = read(&conn);
            if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
                // A connection whose transaction cannot end is not used again.
                return out;
            }
            readers.put_back(conn);
            out
        })
        .await
        .map_err(internal)?
    }

    fn take(&self) -> DomainResult<Connection> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open().map_err(internal),
        }
    }

    fn put_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }

    /// A connection as sqlx's are set up (the store opened the file, in WAL mode), that
    /// refuses writes.
    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(
            "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;",
        )?;
        Ok(conn)
    }
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
    each(LiteRows {
        rows: stmt.raw_query(),
        names,
    })
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
        let readers = Readers::new(&path, 1);
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
    }
}
