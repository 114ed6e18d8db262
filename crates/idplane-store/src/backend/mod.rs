//! The two database backends behind one interface: [`Db`] opens a store and leases
//! connections, [`Conn`] runs statements (built as [`Sql`]) on one leased connection, inside a
//! transaction or not. Each backend has one typed driver — SQLite through rusqlite on
//! connection threads of its own (`sqlite`), PostgreSQL through sqlx's `PgPool` (`postgres`) —
//! and this module only dispatches to it. What differs between the databases is asked of the
//! backend by name (row locks, whether other processes share the store, how a deep page is
//! sorted), never by which database it is.

mod postgres;
mod sqlite;

use idplane_core::error::DomainResult;

use crate::error::{DbError, StoreError};
use crate::row::Columns;
use crate::sql::Sql;
use crate::{StoreOptions, files};

/// A result of the backends.
pub(crate) type DbResult<T> = Result<T, DbError>;

/// A row lock a statement may end with (PostgreSQL's `FOR …`); SQLite runs one writer at a
/// time and takes none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowLock {
    Share,
    NoKeyUpdate,
    Update,
    /// `FOR UPDATE OF g`: the rows of the table aliased `g` alone.
    UpdateOfG,
}

/// An open store's database.
#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(sqlite::Db),
    Postgres(postgres::Db),
}

/// One leased connection. Dropped without [`Conn::commit`], its transaction is rolled back
/// before the connection serves anyone else.
pub(crate) enum Conn {
    Sqlite(sqlite::Conn),
    Postgres(postgres::Conn),
}

impl Db {
    /// Opens `sqlite:…` or `postgres://…` and applies the backend's migrations.
    pub(crate) async fn open(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            let file = files::sqlite_file(url);
            if let Some(file) = &file {
                files::prepare(file)?;
            }
            sqlite::Db::open(file.as_deref(), options)
                .await
                .map(Self::Sqlite)
                .map_err(|e| match &file {
                    Some(path) => StoreError::Config(format!(
                        "opening the SQLite database {}: {e}",
                        path.display()
                    )),
                    None => e,
                })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            files::reach_postgres(url, options.connect_timeout).await?;
            postgres::Db::open(url, options).await.map(Self::Postgres)
        } else {
            Err(StoreError::Config(
                "the database URL must start with sqlite: or postgres://".to_owned(),
            ))
        }
    }

    /// Closes every connection (for tests that reopen the same database).
    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(db) => db.close(),
            Self::Postgres(db) => db.close().await,
        }
    }

    /// A write transaction. SQLite takes the write lock with its first statement (`BEGIN
    /// IMMEDIATE`), so concurrent writers wait for each other instead of failing on a lock
    /// upgrade.
    pub(crate) async fn write(&self) -> DbResult<Conn> {
        match self {
            Self::Sqlite(db) => db.write().await.map(Conn::Sqlite),
            Self::Postgres(db) => db.write().await.map(Conn::Postgres),
        }
    }

    /// A read-only transaction whose statements all read one snapshot: on SQLite the first
    /// read fixes it (WAL), on PostgreSQL repeatable read does.
    pub(crate) async fn snapshot(&self) -> DbResult<Conn> {
        match self {
            Self::Sqlite(db) => db.snapshot().await.map(Conn::Sqlite),
            Self::Postgres(db) => db.snapshot().await.map(Conn::Postgres),
        }
    }

    /// A connection for reads outside any transaction (SQLite: a reader thread's).
    pub(crate) async fn reader(&self) -> DbResult<Conn> {
        match self {
            Self::Sqlite(db) => db.reader().await.map(Conn::Sqlite),
            Self::Postgres(db) => db.conn().await.map(Conn::Postgres),
        }
    }

    /// A connection for single-statement writes, each its own transaction (SQLite: the
    /// writer's).
    pub(crate) async fn writer(&self) -> DbResult<Conn> {
        match self {
            Self::Sqlite(db) => db.writer().await.map(Conn::Sqlite),
            Self::Postgres(db) => db.conn().await.map(Conn::Postgres),
        }
    }

    /// Runs one write statement on its own; how many rows it changed.
    pub(crate) async fn execute(&self, sql: Sql) -> DbResult<u64> {
        self.writer().await?.execute(sql).await
    }

    /// Every row of one read, each read by `read`.
    pub(crate) async fn fetch<T, F>(&self, sql: Sql, read: F) -> DbResult<Vec<T>>
    where
        T: Send + 'static,
        F: Fn(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        self.reader().await?.fetch(sql, read).await
    }

    /// The first row of one read, if any, read by `read`.
    pub(crate) async fn fetch_optional<T, F>(&self, sql: Sql, read: F) -> DbResult<Option<T>>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        self.reader().await?.fetch_optional(sql, read).await
    }

    /// The first row of one read, read by `read`; an error when there is none.
    pub(crate) async fn fetch_one<T, F>(&self, sql: Sql, read: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        self.reader().await?.fetch_one(sql, read).await
    }

    /// Steps one read's rows into `state` (see [`Conn::fold`]).
    pub(crate) async fn fold<S, F>(&self, sql: Sql, state: S, each: F) -> DbResult<S>
    where
        S: Send + 'static,
        F: FnMut(&mut S, &dyn Columns) -> DomainResult<bool> + Send + 'static,
    {
        self.reader().await?.fold(sql, state, each).await
    }

    /// Whether other processes may share the database (and so need to hear of changes and
    /// see claimed requests): PostgreSQL. One SQLite database is held by one server at a
    /// time (its lock file).
    pub(crate) fn shared(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Whether the planner weighs the member indexes by statistics of its own; otherwise a
    /// deep member page is told which index to read (`member_select::Bounds::restrict`).
    pub(crate) fn weighs_indexes(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Whether a page deep into many unordered matches is best sorted whole in one go
    /// (`paging::SortSpec::finish_sorted`): SQLite's bounded sort re-balances on every row.
    pub(crate) fn sorts_deep_pages_whole(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }

    /// Refreshes the planner's statistics after a bulk load.
    pub(crate) async fn analyze(&self) -> DbResult<()> {
        match self {
            Self::Sqlite(db) => db.analyze().await,
            Self::Postgres(db) => db.analyze().await,
        }
    }
}

impl Conn {
    /// Runs one statement; how many rows it changed.
    pub(crate) async fn execute(&mut self, sql: Sql) -> DbResult<u64> {
        match self {
            Self::Sqlite(c) => c.execute(sql).await,
            Self::Postgres(c) => c.execute(sql).await,
        }
    }

    /// Steps the rows of `sql` where they are read (SQLite: on the connection's thread),
    /// handing each to `each` with `state` until it answers `false` or the rows end; returns
    /// the state.
    pub(crate) async fn fold<S, F>(&mut self, sql: Sql, state: S, each: F) -> DbResult<S>
    where
        S: Send + 'static,
        F: FnMut(&mut S, &dyn Columns) -> DomainResult<bool> + Send + 'static,
    {
        match self {
            Self::Sqlite(c) => c.fold(sql, state, each).await,
            Self::Postgres(c) => c.fold(sql, state, each).await,
        }
    }

    /// Ends the transaction, keeping its writes.
    pub(crate) async fn commit(self) -> DbResult<()> {
        match self {
            Self::Sqlite(c) => c.commit().await,
            Self::Postgres(c) => c.commit().await,
        }
    }

    /// ` FOR …`, the lock `lock` as a statement's ending, or nothing where rows are not
    /// locked (SQLite: the write transaction holds the whole database).
    pub(crate) fn row_lock(&self, lock: RowLock) -> &'static str {
        match self {
            Self::Sqlite(_) => "",
            Self::Postgres(_) => postgres::row_lock(lock),
        }
    }

    /// Whether rows are locked one by one (PostgreSQL), so that a write takes the rows it
    /// will change in one order before changing them.
    pub(crate) fn locks_rows(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Holds `table` against other writers until the transaction ends (PostgreSQL's
    /// `EXCLUSIVE` mode; SQLite's write transaction already does).
    pub(crate) async fn lock_table(&mut self, table: &'static str) -> DbResult<()> {
        match self {
            Self::Sqlite(_) => Ok(()),
            Self::Postgres(c) => c.lock_table(table).await,
        }
    }

    /// Every row, each read by `read`.
    pub(crate) async fn fetch<T, F>(&mut self, sql: Sql, read: F) -> DbResult<Vec<T>>
    where
        T: Send + 'static,
        F: Fn(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        self.fold(sql, Vec::new(), move |all, row| {
            all.push(read(row)?);
            Ok(true)
        })
        .await
    }

    /// The first row, if any, read by `read`.
    pub(crate) async fn fetch_optional<T, F>(&mut self, sql: Sql, read: F) -> DbResult<Option<T>>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        let mut read = Some(read);
        self.fold(sql, None, move |one, row| {
            if let Some(read) = read.take() {
                *one = Some(read(row)?);
            }
            Ok(false)
        })
        .await
    }

    /// The first row, read by `read`; an error when there is none.
    pub(crate) async fn fetch_one<T, F>(&mut self, sql: Sql, read: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Columns) -> DomainResult<T> + Send + 'static,
    {
        self.fetch_optional(sql, read)
            .await?
            .ok_or_else(|| DbError::Other("a statement read no row".to_owned()))
    }
}
