//! The PostgreSQL backend: sqlx's typed driver on one `PgPool`, the tables in an optional
//! schema of their own, migrations from `migrations/postgres` by `sqlx::migrate!`.

use std::time::Duration;

use futures_util::TryStreamExt;
use idplane_core::error::DomainResult;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Executor, PgConnection, Postgres, Row, Transaction};

use super::{DbResult, RowLock};
use crate::StoreOptions;
use crate::error::{DbError, StoreError, internal};
use crate::row::Columns;
use crate::sql::{Bind, Sql};

#[derive(Clone)]
pub(crate) struct Db {
    pool: PgPool,
}

/// A pooled connection, in a transaction or not.
pub(crate) enum Conn {
    Tx(Transaction<'static, Postgres>),
    Single(PoolConnection<Postgres>),
}

fn valid_schema(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A failed statement sorted by its SQLSTATE.
pub(crate) fn db_error(e: sqlx::Error) -> DbError {
    let sqlx::Error::Database(db) = &e else {
        return DbError::Other(e.to_string());
    };
    let text = match db.constraint() {
        Some(constraint) => format!("{constraint} {}", db.message()),
        None => db.message().to_owned(),
    };
    match db.code().as_deref() {
        Some("23505") => DbError::Unique(text),
        Some("23503") => DbError::ForeignKey(text),
        Some("40001" | "40P01") => DbError::Retry(text),
        Some("22021" | "22P05") => DbError::BadText(text),
        _ => DbError::Other(e.to_string()),
    }
}

fn config(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl Db {
    pub(crate) async fn open(url: &str, o: &StoreOptions) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(config)?;
        let schema = match &o.schema {
            Some(s) => {
                if !valid_schema(s) {
                    return Err(StoreError::Config(format!(
                        "schema {s:?} must be 1 to 63 letters, digits or _"
                    )));
                }
                let setup = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await
                    .map_err(config)?;
                let created = setup
                    .execute(AssertSqlSafe(format!(
                        "CREATE SCHEMA IF NOT EXISTS \"{s}\""
                    )))
                    .await;
                setup.close().await;
                match created.map_err(db_error) {
                    // Two processes creating the same schema at once: the loser's error is
                    // harmless.
                    Ok(_) | Err(DbError::Unique(_)) => {}
                    Err(e) => return Err(e.into()),
                }
                Some(s.clone())
            }
            None => None,
        };
        let pool = PgPoolOptions::new()
            .max_connections(o.size.postgres)
            // A connection may have been dropped by the server or a proxy: tested before use.
            .test_before_acquire(true)
            .acquire_timeout(o.connect_timeout.max(Duration::from_secs(1)))
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    if let Some(s) = schema {
                        conn.execute(AssertSqlSafe(format!("SET search_path TO \"{s}\"")))
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(config)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        Ok(Self { pool })
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn write(&self) -> DbResult<Conn> {
        self.pool.begin().await.map(Conn::Tx).map_err(db_error)
    }

    pub(crate) async fn snapshot(&self) -> DbResult<Conn> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map(Conn::Tx)
            .map_err(db_error)
    }

    pub(crate) async fn conn(&self) -> DbResult<Conn> {
        self.pool
            .acquire()
            .await
            .map(Conn::Single)
            .map_err(db_error)
    }

    /// Also vacuums the loaded tables, which marks their pages all-visible so that searches
    /// answered from the membership indexes do not visit the table.
    pub(crate) async fn analyze(&self) -> DbResult<()> {
        // Unprepared: VACUUM runs outside any transaction.
        self.pool
            .execute("VACUUM (ANALYZE) users, group_members")
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

/// `sql` as sqlx's query, its parameters bound by reference.
fn query(sql: &Sql) -> Query<'_, Postgres, PgArguments> {
    let mut q = sqlx::query(AssertSqlSafe(sql.text().to_owned()));
    for b in sql.binds() {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(i) => q.bind(*i),
            Bind::NullText => q.bind(None::<&str>),
            Bind::NullInt => q.bind(None::<i64>),
        };
    }
    q
}

pub(crate) fn row_lock(lock: RowLock) -> &'static str {
    match lock {
        RowLock::Share => " FOR SHARE",
        RowLock::NoKeyUpdate => " FOR NO KEY UPDATE",
        RowLock::Update => " FOR UPDATE",
        RowLock::UpdateOfG => " FOR UPDATE OF g",
    }
}

impl Conn {
    fn connection(&mut self) -> &mut PgConnection {
        match self {
            Self::Tx(tx) => tx,
            Self::Single(conn) => conn,
        }
    }

    pub(crate) async fn execute(&mut self, sql: Sql) -> DbResult<u64> {
        let done = query(&sql)
            .execute(self.connection())
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn fold<S, F>(&mut self, sql: Sql, mut state: S, mut each: F) -> DbResult<S>
    where
        F: FnMut(&mut S, &dyn Columns) -> DomainResult<bool>,
    {
        let mut rows = query(&sql).fetch(self.connection());
        while let Some(row) = rows.try_next().await.map_err(db_error)? {
            if !each(&mut state, &row)? {
                break;
            }
        }
        Ok(state)
    }

    pub(crate) async fn commit(self) -> DbResult<()> {
        match self {
            Self::Tx(tx) => tx.commit().await.map_err(db_error),
            Self::Single(_) => Ok(()),
        }
    }

    pub(crate) async fn lock_table(&mut self, table: &'static str) -> DbResult<()> {
        self.connection()
            .execute(AssertSqlSafe(format!(
                "LOCK TABLE {table} IN EXCLUSIVE MODE"
            )))
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

fn column<'r, T>(row: &'r PgRow, name: &str) -> DomainResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(name).map_err(internal)
}

/// An integer of any width (`COUNT(*)` and the tables' columns are 64-bit; a literal is not).
fn integer(row: &PgRow, name: &str) -> DomainResult<Option<i64>> {
    match row.try_get::<Option<i64>, _>(name) {
        Ok(v) => Ok(v),
        Err(sqlx::Error::ColumnDecode { .. }) => match row.try_get::<Option<i32>, _>(name) {
            Ok(v) => Ok(v.map(i64::from)),
            Err(_) => column::<Option<i16>>(row, name).map(|v| v.map(i64::from)),
        },
        Err(e) => Err(internal(e)),
    }
}

impl Columns for PgRow {
    fn text(&self, name: &str) -> DomainResult<String> {
        column(self, name)
    }

    fn opt_text(&self, name: &str) -> DomainResult<Option<String>> {
        column(self, name)
    }

    fn str(&self, name: &str) -> DomainResult<Option<&str>> {
        column(self, name)
    }

    fn int(&self, name: &str) -> DomainResult<i64> {
        integer(self, name)?.ok_or_else(|| internal(format!("column {name} is NULL")))
    }

    fn opt_int(&self, name: &str) -> DomainResult<Option<i64>> {
        integer(self, name)
    }
}
