//! Running one statement on an SQLite connection, on its thread: parameters bound by number,
//! rows stepped in place and read by name, failures sorted by SQLite's extended codes.

use std::time::Instant;

use idplane_core::error::{DomainError, DomainResult};
use rusqlite::types::FromSql;
use rusqlite::{Connection, ErrorCode, Row, Rows};

use crate::error::DbError;
use crate::row::Columns;
use crate::sql::{Bind, Sql};

/// SQLite's extended result codes for a unique index and a primary key refusing a row.
const CONSTRAINT_UNIQUE: i32 = 2067;
const CONSTRAINT_PRIMARYKEY: i32 = 1555;
const CONSTRAINT_FOREIGNKEY: i32 = 787;

pub(crate) fn db_error(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(failure, message) = &e {
        let text = message.clone().unwrap_or_else(|| failure.to_string());
        return match failure.extended_code {
            CONSTRAINT_UNIQUE | CONSTRAINT_PRIMARYKEY => DbError::Unique(text),
            CONSTRAINT_FOREIGNKEY => DbError::ForeignKey(text),
            _ if matches!(
                failure.code,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
            ) =>
            {
                DbError::Retry(text)
            }
            _ => DbError::Other(text),
        };
    }
    DbError::Other(e.to_string())
}

/// Runs `sql` on `conn` (its statement cached), handing its rows to `each`.
pub(super) fn query<T>(
    conn: &Connection,
    sql: &Sql,
    each: impl FnOnce(LiteRows<'_>) -> Result<T, DbError>,
) -> Result<T, DbError> {
    let mut stmt = conn.prepare_cached(sql.text()).map_err(db_error)?;
    // `$n` is a named parameter to SQLite, numbered by first appearance: bind each by its name.
    for index in 1..=stmt.parameter_count() {
        let bind = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| sql.binds().get(n.checked_sub(1)?))
            .ok_or_else(|| DbError::Other("a statement parameter has no value".to_owned()))?;
        match bind {
            Bind::Text(s) => stmt.raw_bind_parameter(index, s.as_str()),
            Bind::Int(i) => stmt.raw_bind_parameter(index, *i),
            Bind::NullText | Bind::NullInt => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        }
        .map_err(db_error)?;
    }
    // Asking SQLite for a column's name converts and checks it each time: once per statement.
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let started = Instant::now();
    let out = each(LiteRows {
        rows: stmt.raw_query(),
        names,
    });
    // Statements are logged by their text, never their values.
    tracing::debug!(
        target: "idplane_store::sqlite",
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        failed = out.is_err(),
        statement = sql.text(),
    );
    out
}

/// Runs `sql` to its end; how many rows it changed.
pub(super) fn execute(conn: &Connection, sql: &Sql) -> Result<u64, DbError> {
    query(conn, sql, |mut rows| {
        while rows.next()?.is_some() {}
        Ok(conn.changes())
    })
}

/// Steps the rows of `sql` into `state` until `each` answers false.
pub(super) fn fold<S, F>(
    conn: &Connection,
    sql: &Sql,
    mut state: S,
    mut each: F,
) -> Result<S, DbError>
where
    F: FnMut(&mut S, &dyn Columns) -> DomainResult<bool>,
{
    query(conn, sql, |mut rows| {
        while let Some(row) = rows.next()? {
            if !each(&mut state, &row)? {
                break;
            }
        }
        Ok(state)
    })
}

/// A statement's rows, stepped one at a time.
pub(super) struct LiteRows<'s> {
    rows: Rows<'s>,
    names: Vec<String>,
}

impl LiteRows<'_> {
    pub(super) fn next(&mut self) -> Result<Option<LiteRow<'_>>, DbError> {
        let names = &self.names;
        Ok(self
            .rows
            .next()
            .map_err(db_error)?
            .map(|row| LiteRow { row, names }))
    }
}

/// One row, its columns found by name.
pub(super) struct LiteRow<'r> {
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

    fn get<T: FromSql>(&self, name: &str) -> DomainResult<T> {
        self.row
            .get(self.index(name)?)
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

    fn str(&self, name: &str) -> DomainResult<Option<&str>> {
        self.row
            .get_ref(self.index(name)?)
            .and_then(|v| Ok(v.as_str_or_null()?))
            .map_err(|e| DomainError::internal(format!("database: column {name}: {e}")))
    }

    fn int(&self, name: &str) -> DomainResult<i64> {
        self.get(name)
    }

    fn opt_int(&self, name: &str) -> DomainResult<Option<i64>> {
        self.get(name)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn pair(conn: &Connection, sql: &Sql) -> Result<(i64, String), DbError> {
        fold(conn, sql, None, |one, row| {
            *one = Some((row.int("i")?, row.text("t")?));
            Ok(false)
        })?
        .ok_or_else(|| DbError::Other("no row".to_owned()))
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

    #[test]
    fn unique_violations_are_told_apart() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, n TEXT UNIQUE)")
            .unwrap();
        let insert = |id: &str, n: &str| {
            execute(
                &conn,
                &crate::sql::sql!("INSERT INTO t VALUES ($1, $2)", id, n),
            )
        };
        insert("a", "x").unwrap();
        assert!(matches!(insert("a", "y"), Err(DbError::Unique(m)) if m.contains("t.id")));
        assert!(matches!(insert("b", "x"), Err(DbError::Unique(m)) if m.contains("t.n")));
    }
}
