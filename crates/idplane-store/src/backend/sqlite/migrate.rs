//! SQLite's migrations (`migrations/sqlite`, embedded by `sqlx::migrate!`, which also gives
//! each its SHA-384 checksum), applied in version order, each in a transaction with its
//! record. They are recorded in the table sqlx's own SQLite migrator keeps, row for row as it
//! writes them, so a database made by either opens with the other; like sqlx, a migration
//! whose file changed after it was applied, a recorded one that is no longer known, or one
//! that failed halfway stops the start.

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::{Connection, params};

use crate::error::StoreError;

/// sqlx's table, as its SQLite migrator creates it.
const TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);";

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Migrate(e.to_string())
}

/// One migration as embedded.
pub(super) struct Migration<'m> {
    pub version: i64,
    pub description: &'m str,
    pub sql: &'m str,
    pub checksum: &'m [u8],
}

/// Applies the migrations `conn` has not had yet.
pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let migrator = sqlx::migrate!("./migrations/sqlite");
    let migrations: Vec<Migration<'_>> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| Migration {
            version: m.version,
            description: &m.description,
            sql: m.sql.as_str(),
            checksum: &m.checksum,
        })
        .collect();
    apply(conn, &migrations)
}

/// Applies `migrations` (in version order) that `conn` has not had yet.
pub(super) fn apply(conn: &mut Connection, migrations: &[Migration<'_>]) -> Result<(), StoreError> {
    conn.execute_batch(TABLE).map_err(failed)?;
    let dirty: Option<i64> = conn
        .query_row(
            "SELECT version FROM _sqlx_migrations WHERE success = false ORDER BY version LIMIT 1",
            [],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(failed)?;
    if let Some(version) = dirty {
        return Err(failed(format!(
            "migration {version} is partially applied; fix and remove it from _sqlx_migrations"
        )));
    }
    let applied: HashMap<i64, Vec<u8>> = {
        let mut stmt = conn
            .prepare("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
            .map_err(failed)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(failed)?;
        rows.collect::<Result<_, _>>().map_err(failed)?
    };
    if let Some(missing) = applied
        .keys()
        .find(|v| !migrations.iter().any(|m| m.version == **v))
    {
        return Err(failed(format!(
            "migration {missing} was previously applied but is missing in the resolved migrations"
        )));
    }
    for m in migrations {
        match applied.get(&m.version) {
            Some(checksum) if checksum.as_slice() == m.checksum => {}
            Some(_) => {
                return Err(failed(format!(
                    "migration {} was previously applied but has been modified",
                    m.version
                )));
            }
            None => apply_one(conn, m)?,
        }
    }
    Ok(())
}

fn apply_one(conn: &mut Connection, m: &Migration<'_>) -> Result<(), StoreError> {
    let started = Instant::now();
    let tx = conn.transaction().map_err(failed)?;
    tx.execute_batch(m.sql)
        .map_err(|e| failed(format!("while executing migration {}: {e}", m.version)))?;
    tx.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (?1, ?2, TRUE, ?3, -1)",
        params![m.version, m.description, m.checksum],
    )
    .map_err(failed)?;
    tx.commit().map_err(failed)?;
    let nanos = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
    conn.execute(
        "UPDATE _sqlx_migrations SET execution_time = ?1 WHERE version = ?2",
        params![nanos, m.version],
    )
    .map_err(failed)?;
    Ok(())
}
