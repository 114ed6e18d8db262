//! Storage failures: how database errors become domain errors.

use idplane_core::DomainError;
use idplane_core::error::{DepartmentError, Field, GroupError, Kind, PoolError, UserError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Any database failure as an internal domain error (logged by the dialect, never sent) — but
/// for text the database cannot hold (PostgreSQL refuses NUL characters in text), which is the
/// caller's bad value: the boundaries refuse such text first, this keeps it a client error
/// wherever a value slips through.
pub fn internal<E: std::fmt::Display + 'static>(e: E) -> DomainError {
    let any: &dyn std::any::Any = &e;
    if let Some(sqlx::Error::Database(db)) = any.downcast_ref::<sqlx::Error>()
        && matches!(db.code().as_deref(), Some("22021" | "22P05"))
    {
        return DomainError::invalid(Field::Text, "text must not contain NUL characters");
    }
    DomainError::internal(format!("database: {e}"))
}

/// A unique-index violation names the attribute that clashed; anything else is internal.
pub fn write_error(e: sqlx::Error, kind: Kind) -> DomainError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let text = format!("{} {}", db.constraint().unwrap_or(""), db.message());
        return if text.contains("users_username_uq") {
            UserError::UsernameTaken.into()
        } else if text.contains("users_email_uq") {
            UserError::EmailTaken.into()
        } else if text.contains("users_phone_uq") || text.contains("users.phone_number") {
            UserError::PhoneTaken.into()
        } else if text.contains("_pkey") || text.contains(".uid") || text.contains(".id") {
            DomainError::IdTaken(kind)
        } else {
            match kind {
                Kind::Group => GroupError::NameTaken.into(),
                Kind::Department => DepartmentError::NameTaken.into(),
                Kind::UserPool => PoolError::NameTaken.into(),
                _ => DomainError::IdTaken(kind),
            }
        };
    }
    internal(e)
}

/// A membership insert whose user vanished between the check and the write (PostgreSQL only:
/// SQLite runs one writer at a time): the user is gone, not an internal failure.
pub fn member_error(e: sqlx::Error, user: &str) -> DomainError {
    if let sqlx::Error::Database(db) = &e
        && db.is_foreign_key_violation()
    {
        return DomainError::not_found(Kind::User, user);
    }
    internal(e)
}
