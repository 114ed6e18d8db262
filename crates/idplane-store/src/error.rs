//! Storage failures: what either backend reports ([`DbError`]) and how it becomes a domain
//! error.

use idplane_core::DomainError;
use idplane_core::error::{
    DepartmentError, Field, GroupError, Kind, PoolError, UserError, WorkloadIdentityError,
    WorkloadPoolError,
};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Database(String),
    #[error("migrations: {0}")]
    Migrate(String),
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Domain(d) => Self::Database(d.to_string()),
            other => Self::Database(other.to_string()),
        }
    }
}

/// A failed statement, sorted into what the store tells apart; the text is the database's.
#[derive(Debug, Error)]
pub enum DbError {
    /// A unique index or primary key refused a row (the text names the constraint).
    #[error("{0}")]
    Unique(String),
    #[error("{0}")]
    ForeignKey(String),
    /// A serialization failure or deadlock: the transaction may succeed if run again.
    #[error("{0}")]
    Retry(String),
    /// Text the database cannot hold (PostgreSQL refuses NUL characters in text).
    #[error("{0}")]
    BadText(String),
    #[error("{0}")]
    Other(String),
    /// A row that did not read as the store expects, or another failure of the store's own.
    #[error("{0}")]
    Domain(DomainError),
}

impl From<DomainError> for DbError {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

/// Any database failure as an internal domain error (logged by the server, never sent) — but
/// for text the database cannot hold, which is the caller's bad value: the boundaries refuse
/// such text first, this keeps it a client error wherever a value slips through.
impl From<DbError> for DomainError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Domain(d) => d,
            DbError::BadText(_) => {
                DomainError::invalid(Field::Text, "text must not contain NUL characters")
            }
            other => internal(other),
        }
    }
}

/// A failure outside SQL (a thread, a channel) as an internal domain error.
pub fn internal<E: std::fmt::Display>(e: E) -> DomainError {
    DomainError::internal(format!("database: {e}"))
}

/// A unique-index violation names the attribute that clashed; anything else is internal.
pub fn write_error(e: DbError, kind: Kind) -> DomainError {
    if let DbError::Unique(text) = &e {
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
                Kind::WorkloadPool => WorkloadPoolError::NameTaken.into(),
                Kind::WorkloadIdentity => WorkloadIdentityError::NameTaken.into(),
                _ => DomainError::IdTaken(kind),
            }
        };
    }
    e.into()
}

/// A membership insert whose user vanished between the check and the write (PostgreSQL only:
/// SQLite runs one writer at a time): the user is gone, not an internal failure.
pub fn member_error(e: DbError, user: &str) -> DomainError {
    if let DbError::ForeignKey(_) = &e {
        return DomainError::not_found(Kind::User, user);
    }
    e.into()
}
