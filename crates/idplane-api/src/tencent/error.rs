//! The Tencent Cloud API 3.0 error table for EIAM: every failure the dialect can answer, each
//! mapped once to its code. Tencent answers every error with HTTP 200.

use idplane_core::DomainError;
use idplane_core::error::Kind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcError {
    /// The `Authorization` header (or legacy signature parameters) cannot be read.
    InvalidAuthorization(String),
    SecretIdNotFound,
    SignatureFailure(String),
    /// `X-TC-Timestamp` more than 5 minutes away from the server's clock.
    SignatureExpire(String),
    /// The key is switched off or bound elsewhere.
    UnauthorizedOperation(String),
    InvalidAction(String),
    NoSuchVersion(String),
    /// An EIAM action that this server does not offer yet.
    UnsupportedOperation(String),
    UnsupportedProtocol(String),
    MissingParameter(String),
    /// A wrongly typed or malformed parameter.
    InvalidParameter(String),
    InvalidParameterValue(String),
    SearchCriteriaIllegal(String),
    TimeFormatIllegal(String),
    SortKeyIllegal(String),
    ExpectFieldsNotFound(String),
    /// An EIAM-specific `FailedOperation.*` code (e.g. `UserNotFound`) with its message.
    Failed(&'static str, String),
    ResourceNotFound(String),
    RequestLimitExceeded,
    RequestSizeLimitExceeded,
    /// Details are logged where this is made, never sent.
    InternalError,
}

impl TcError {
    /// A failure to prove who is calling (counted by the throttle).
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            TcError::InvalidAuthorization(_)
                | TcError::SecretIdNotFound
                | TcError::SignatureFailure(_)
                | TcError::SignatureExpire(_)
        )
    }

    pub fn code(&self) -> String {
        match self {
            TcError::InvalidAuthorization(_) => "AuthFailure.InvalidAuthorization".into(),
            TcError::SecretIdNotFound => "AuthFailure.SecretIdNotFound".into(),
            TcError::SignatureFailure(_) => "AuthFailure.SignatureFailure".into(),
            TcError::SignatureExpire(_) => "AuthFailure.SignatureExpire".into(),
            TcError::UnauthorizedOperation(_) => "AuthFailure.UnauthorizedOperation".into(),
            TcError::InvalidAction(_) => "InvalidAction".into(),
            TcError::NoSuchVersion(_) => "NoSuchVersion".into(),
            TcError::UnsupportedOperation(_) => "UnsupportedOperation".into(),
            TcError::UnsupportedProtocol(_) => "UnsupportedProtocol".into(),
            TcError::MissingParameter(_) => "MissingParameter".into(),
            TcError::InvalidParameter(_) => "InvalidParameter".into(),
            TcError::InvalidParameterValue(_) => "InvalidParameterValue".into(),
            TcError::SearchCriteriaIllegal(_) => "InvalidParameter.SearchCriteriaIllegal".into(),
            TcError::TimeFormatIllegal(_) => "InvalidParameter.TimeFormatIllegal".into(),
            TcError::SortKeyIllegal(_) => "InvalidParameter.UserInfoSortKeyIsIllegal".into(),
            TcError::ExpectFieldsNotFound(_) => "FailedOperation.ExpectFieldsNotFound".into(),
            TcError::Failed(code, _) => format!("FailedOperation.{code}"),
            TcError::ResourceNotFound(_) => "ResourceNotFound".into(),
            TcError::RequestLimitExceeded => "RequestLimitExceeded".into(),
            TcError::RequestSizeLimitExceeded => "RequestSizeLimitExceeded".into(),
            TcError::InternalError => "InternalError".into(),
        }
    }

    pub fn message(&self) -> String {
        match self {
            TcError::SecretIdNotFound => {
                "The SecretId does not exist (deleted, disabled, or mistyped).".into()
            }
            TcError::RequestLimitExceeded => "Request rate limit exceeded.".into(),
            TcError::RequestSizeLimitExceeded => "The request body is too large.".into(),
            TcError::InternalError => "Internal error; please retry later.".into(),
            TcError::InvalidAuthorization(m)
            | TcError::SignatureFailure(m)
            | TcError::SignatureExpire(m)
            | TcError::UnauthorizedOperation(m)
            | TcError::MissingParameter(m)
            | TcError::InvalidParameter(m)
            | TcError::InvalidParameterValue(m)
            | TcError::SearchCriteriaIllegal(m)
            | TcError::TimeFormatIllegal(m)
            | TcError::SortKeyIllegal(m)
            | TcError::ExpectFieldsNotFound(m)
            | TcError::Failed(_, m)
            | TcError::ResourceNotFound(m)
            | TcError::UnsupportedProtocol(m) => m.clone(),
            TcError::InvalidAction(a) => format!("The action {a:?} does not exist."),
            TcError::NoSuchVersion(v) => {
                format!("The API version {v:?} does not exist; use 2021-04-20.")
            }
            TcError::UnsupportedOperation(a) => {
                format!("The action {a} is not supported by this server yet.")
            }
        }
    }
}

impl From<DomainError> for TcError {
    fn from(e: DomainError) -> Self {
        let message = e.to_string();
        match e {
            DomainError::MissingParameter { field } => {
                TcError::MissingParameter(format!("The required parameter {field} is missing."))
            }
            DomainError::InvalidParameter { .. } => TcError::InvalidParameterValue(message),
            DomainError::NotFound { kind, .. } => match kind {
                Kind::User => TcError::Failed("UserNotFound", message),
                Kind::Group => TcError::Failed("UserGroupNotExist", message),
                Kind::Department => TcError::Failed("OrgNodeNotExist", message),
                _ => TcError::ResourceNotFound(message),
            },
            DomainError::Duplicated { kind, ref field } => match (kind, field.as_str()) {
                (Kind::User, "PreferredUsername") => TcError::Failed(
                    "UserNameAlreadyExists",
                    "The user name already exists.".to_owned(),
                ),
                (Kind::User, "Email") => TcError::Failed(
                    "UserEmailAlreadyExists",
                    "The user email already exists.".to_owned(),
                ),
                (Kind::User, "PhoneNumber") => TcError::Failed(
                    "UserPhoneAlreadyExists",
                    "The user phone number already exists.".to_owned(),
                ),
                (Kind::Department, _) => TcError::Failed(
                    "ChildOrgNodeNameAlreadyExists",
                    "A child org node with the same name already exists under this org node."
                        .to_owned(),
                ),
                (Kind::Group, _) => TcError::Failed(
                    "CreateUserGroupError",
                    "A user group with this name already exists.".to_owned(),
                ),
                _ => TcError::Failed("OperationError", message),
            },
            DomainError::Conflict { message } => TcError::Failed("OperationFailure", message),
            DomainError::AccessDenied { message } => TcError::UnauthorizedOperation(message),
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                TcError::InternalError
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every domain failure answers one EIAM code (HTTP 200 for all, per API 3.0); the
    /// directory's own failures use EIAM's `FailedOperation.*` names.
    #[test]
    fn each_domain_error_has_its_code() {
        let table = [
            (DomainError::missing("UserId"), "MissingParameter"),
            (
                DomainError::invalid("Email", "malformed"),
                "InvalidParameterValue",
            ),
            (
                DomainError::not_found(Kind::User, "u"),
                "FailedOperation.UserNotFound",
            ),
            (
                DomainError::not_found(Kind::Group, "g"),
                "FailedOperation.UserGroupNotExist",
            ),
            (
                DomainError::not_found(Kind::Department, "d"),
                "FailedOperation.OrgNodeNotExist",
            ),
            (
                DomainError::not_found(Kind::Client, "c"),
                "ResourceNotFound",
            ),
            (
                DomainError::duplicated(Kind::User, "PreferredUsername"),
                "FailedOperation.UserNameAlreadyExists",
            ),
            (
                DomainError::duplicated(Kind::User, "Email"),
                "FailedOperation.UserEmailAlreadyExists",
            ),
            (
                DomainError::duplicated(Kind::User, "PhoneNumber"),
                "FailedOperation.UserPhoneAlreadyExists",
            ),
            (
                DomainError::duplicated(Kind::Department, "Name"),
                "FailedOperation.ChildOrgNodeNameAlreadyExists",
            ),
            (
                DomainError::duplicated(Kind::Group, "Name"),
                "FailedOperation.CreateUserGroupError",
            ),
            (
                DomainError::Conflict {
                    message: "busy".into(),
                },
                "FailedOperation.OperationFailure",
            ),
            (
                DomainError::AccessDenied {
                    message: "no".into(),
                },
                "AuthFailure.UnauthorizedOperation",
            ),
            (DomainError::internal("disk on fire"), "InternalError"),
        ];
        for (domain, code) in table {
            let wire = TcError::from(domain);
            assert_eq!(wire.code(), code);
            assert!(
                !wire.message().contains("disk on fire"),
                "details stay in the log"
            );
        }
    }

    #[test]
    fn authentication_failures_are_counted_and_named() {
        for (error, code) in [
            (
                TcError::InvalidAuthorization("x".into()),
                "AuthFailure.InvalidAuthorization",
            ),
            (TcError::SecretIdNotFound, "AuthFailure.SecretIdNotFound"),
            (
                TcError::SignatureFailure("x".into()),
                "AuthFailure.SignatureFailure",
            ),
            (
                TcError::SignatureExpire("x".into()),
                "AuthFailure.SignatureExpire",
            ),
        ] {
            assert!(error.is_authentication(), "{code}");
            assert_eq!(error.code(), code);
        }
        assert!(!TcError::RequestLimitExceeded.is_authentication());
    }
}
