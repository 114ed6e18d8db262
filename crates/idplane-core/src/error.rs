//! The one error type of the domain. Each dialect maps every variant once to its own wire code.

use thiserror::Error;

/// What kind of thing was not found or clashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Account,
    AccessKey,
    UserPool,
    User,
    Group,
    Department,
    Client,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::AccessKey => "AccessKey",
            Kind::UserPool => "UserPool",
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::Department => "Department",
            Kind::Client => "UserPoolClient",
        }
    }
}

#[derive(Debug, Error)]
pub enum DomainError {
    /// A required field was absent. `field` is the wire-neutral field name.
    #[error("the required parameter {field} is missing")]
    MissingParameter { field: String },
    /// A field had a value the domain does not accept.
    #[error("invalid {field}: {message}")]
    InvalidParameter { field: String, message: String },
    /// The thing named does not exist (or belongs to someone else).
    #[error("{} {id} does not exist", kind.as_str())]
    NotFound { kind: Kind, id: String },
    /// A unique attribute is already taken.
    #[error("{} with this {field} already exists", kind.as_str())]
    Duplicated { kind: Kind, field: String },
    /// The operation is valid but the current state forbids it.
    #[error("{message}")]
    Conflict { message: String },
    /// The caller may not do this.
    #[error("{message}")]
    AccessDenied { message: String },
    /// Something broke below the domain. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::InvalidParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn missing(field: impl Into<String>) -> Self {
        DomainError::MissingParameter {
            field: field.into(),
        }
    }

    pub fn not_found(kind: Kind, id: impl Into<String>) -> Self {
        DomainError::NotFound {
            kind,
            id: id.into(),
        }
    }

    pub fn duplicated(kind: Kind, field: impl Into<String>) -> Self {
        DomainError::Duplicated {
            kind,
            field: field.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        DomainError::Internal(detail.to_string())
    }
}
