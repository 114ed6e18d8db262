//! The Volcengine error table: every failure the dialect can answer, each mapped once to its
//! wire code, numeric code and HTTP status.

use axum::http::StatusCode;
use idplane_core::DomainError;

/// A failure as the Volcengine dialect reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolcError {
    /// No `Action` in the query string.
    MissingAction,
    /// `Action` names no action of this service.
    InvalidAction(String),
    /// `Version` is missing or not 2025-10-30.
    InvalidVersion(String),
    /// The action is in the catalog but not built yet.
    NotImplemented(String),
    MethodNotAllowed,
    /// No `Authorization` header.
    MissingAuthenticationToken,
    /// The `Authorization` header or its credential scope cannot be read.
    InvalidAuthorization(String),
    InvalidAccessKeyId,
    SignatureNotMatch(String),
    /// `X-Date` missing, malformed, or more than 15 minutes away from the server's clock.
    InvalidTimestamp(String),
    MissingParameter(String),
    InvalidParameter {
        field: Option<String>,
        message: String,
    },
    NotFound(String),
    Duplicated(String),
    Conflict(String),
    AccessDenied(String),
    Throttling,
    /// The request body is larger than the server accepts.
    RequestTooLarge,
    /// Details are logged where this is made, never sent.
    InternalError,
}

impl VolcError {
    pub fn status(&self) -> StatusCode {
        match self {
            VolcError::MissingAction
            | VolcError::InvalidAction(_)
            | VolcError::InvalidVersion(_)
            | VolcError::InvalidAuthorization(_)
            | VolcError::InvalidTimestamp(_)
            | VolcError::MissingParameter(_)
            | VolcError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            VolcError::MissingAuthenticationToken | VolcError::SignatureNotMatch(_) => {
                StatusCode::UNAUTHORIZED
            }
            VolcError::InvalidAccessKeyId | VolcError::AccessDenied(_) => StatusCode::FORBIDDEN,
            VolcError::NotFound(_) => StatusCode::NOT_FOUND,
            VolcError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            VolcError::Duplicated(_) | VolcError::Conflict(_) => StatusCode::CONFLICT,
            VolcError::RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            VolcError::Throttling => StatusCode::TOO_MANY_REQUESTS,
            VolcError::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            VolcError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
        }
    }

    /// The `Code` string.
    pub fn code(&self) -> String {
        match self {
            VolcError::MissingAction => "MissingAction".to_owned(),
            VolcError::InvalidAction(_) => "InvalidAction".to_owned(),
            VolcError::InvalidVersion(_) => "InvalidVersion".to_owned(),
            VolcError::NotImplemented(_) => "NotImplemented".to_owned(),
            VolcError::MethodNotAllowed => "MethodNotAllowed".to_owned(),
            VolcError::MissingAuthenticationToken => "MissingAuthenticationToken".to_owned(),
            VolcError::InvalidAuthorization(_) => "InvalidAuthorization".to_owned(),
            VolcError::InvalidAccessKeyId => "InvalidAccessKeyId".to_owned(),
            VolcError::SignatureNotMatch(_) => "SignatureNotMatch".to_owned(),
            VolcError::InvalidTimestamp(_) => "InvalidTimestamp".to_owned(),
            VolcError::MissingParameter(field) => format!("MissingParameter.{field}"),
            VolcError::InvalidParameter { field: Some(f), .. } => format!("InvalidParameter.{f}"),
            VolcError::InvalidParameter { field: None, .. } => "InvalidParameter".to_owned(),
            VolcError::NotFound(_) => "NotFound".to_owned(),
            VolcError::Duplicated(_) => "Duplicated".to_owned(),
            VolcError::Conflict(_) => "Conflict".to_owned(),
            VolcError::AccessDenied(_) => "AccessDenied".to_owned(),
            VolcError::Throttling => "Throttling".to_owned(),
            VolcError::RequestTooLarge => "RequestTooLarge".to_owned(),
            VolcError::InternalError => "InternalError".to_owned(),
        }
    }

    /// The gateway's numeric code, where Volcengine publishes one.
    pub fn code_n(&self) -> Option<u32> {
        match self {
            VolcError::MissingAction | VolcError::MissingParameter(_) => Some(100002),
            VolcError::MissingAuthenticationToken => Some(100003),
            VolcError::InvalidTimestamp(_) => Some(100006),
            VolcError::InvalidAction(_) | VolcError::InvalidVersion(_) => Some(100008),
            VolcError::InvalidAccessKeyId => Some(100009),
            VolcError::SignatureNotMatch(_) => Some(100010),
            VolcError::AccessDenied(_) => Some(100013),
            VolcError::InternalError => Some(100014),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            VolcError::MissingAction => "The required parameter Action is missing.".to_owned(),
            VolcError::InvalidAction(a) => {
                format!("The action {a:?} is not valid for service id version 2025-10-30.")
            }
            VolcError::InvalidVersion(v) => {
                format!("The version {v:?} is not supported; use 2025-10-30.")
            }
            VolcError::NotImplemented(a) => {
                format!("The action {a} is not implemented by this server yet.")
            }
            VolcError::MethodNotAllowed => "Use POST (or GET) on /.".to_owned(),
            VolcError::MissingAuthenticationToken => {
                "The request carries no Authorization header.".to_owned()
            }
            VolcError::InvalidAuthorization(m) => {
                format!("The Authorization header is invalid: {m}")
            }
            VolcError::InvalidAccessKeyId => "The access key id does not exist.".to_owned(),
            VolcError::SignatureNotMatch(m) => {
                format!(
                    "The request signature we calculated does not match the signature you provided: {m}"
                )
            }
            VolcError::InvalidTimestamp(m) => {
                format!("The Signature of the request is expired or X-Date is invalid: {m}")
            }
            VolcError::MissingParameter(f) => format!("The required parameter {f} is missing."),
            VolcError::InvalidParameter { message, .. } => {
                format!("Invalid request parameters: {message}")
            }
            VolcError::NotFound(m)
            | VolcError::Duplicated(m)
            | VolcError::Conflict(m)
            | VolcError::AccessDenied(m) => m.clone(),
            VolcError::Throttling => "Request was throttled; slow down and retry.".to_owned(),
            VolcError::RequestTooLarge => "The request body is too large.".to_owned(),
            VolcError::InternalError => {
                "The server met an internal error; please retry later.".to_owned()
            }
        }
    }

    /// A failure to prove who is calling (counted by the throttle).
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            VolcError::MissingAuthenticationToken
                | VolcError::InvalidAuthorization(_)
                | VolcError::InvalidAccessKeyId
                | VolcError::SignatureNotMatch(_)
                | VolcError::InvalidTimestamp(_)
        )
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        VolcError::InvalidParameter {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

impl From<DomainError> for VolcError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::MissingParameter { field } => VolcError::MissingParameter(field),
            DomainError::InvalidParameter { ref field, .. } => VolcError::InvalidParameter {
                field: Some(field.clone()),
                message: e.to_string(),
            },
            DomainError::NotFound { .. } => VolcError::NotFound(e.to_string()),
            DomainError::Duplicated { .. } => VolcError::Duplicated(e.to_string()),
            DomainError::Conflict { message } => VolcError::Conflict(message),
            DomainError::AccessDenied { message } => VolcError::AccessDenied(message),
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                VolcError::InternalError
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use idplane_core::error::Kind;

    use super::*;

    /// Every domain failure answers one code and status on the Volcengine dialect; "already
    /// exists" is 409 `Duplicated` and "not found" 404 `NotFound`, as the agent kit relies on.
    #[test]
    fn each_domain_error_has_its_code_and_status() {
        let table = [
            (
                DomainError::missing("UserPoolUid"),
                "MissingParameter.UserPoolUid",
                400,
            ),
            (
                DomainError::invalid("Name", "too long"),
                "InvalidParameter.Name",
                400,
            ),
            (DomainError::not_found(Kind::User, "u1"), "NotFound", 404),
            (
                DomainError::not_found(Kind::Department, "d1"),
                "NotFound",
                404,
            ),
            (
                DomainError::duplicated(Kind::Group, "Name"),
                "Duplicated",
                409,
            ),
            (
                DomainError::Conflict {
                    message: "busy".into(),
                },
                "Conflict",
                409,
            ),
            (
                DomainError::AccessDenied {
                    message: "no".into(),
                },
                "AccessDenied",
                403,
            ),
            (DomainError::internal("disk on fire"), "InternalError", 500),
        ];
        for (domain, code, status) in table {
            let wire = VolcError::from(domain);
            assert_eq!(
                (wire.code(), wire.status().as_u16()),
                (code.to_owned(), status)
            );
            assert!(
                !wire.message().contains("disk on fire"),
                "details stay in the log"
            );
        }
    }

    #[test]
    fn protocol_failures_have_their_codes() {
        let table = [
            (VolcError::MissingAction, "MissingAction", 400, Some(100002)),
            (
                VolcError::InvalidAction("X".into()),
                "InvalidAction",
                400,
                Some(100008),
            ),
            (
                VolcError::InvalidVersion("1".into()),
                "InvalidVersion",
                400,
                Some(100008),
            ),
            (
                VolcError::NotImplemented("X".into()),
                "NotImplemented",
                501,
                None,
            ),
            (VolcError::MethodNotAllowed, "MethodNotAllowed", 405, None),
            (
                VolcError::MissingAuthenticationToken,
                "MissingAuthenticationToken",
                401,
                Some(100003),
            ),
            (
                VolcError::InvalidAccessKeyId,
                "InvalidAccessKeyId",
                403,
                Some(100009),
            ),
            (
                VolcError::SignatureNotMatch("x".into()),
                "SignatureNotMatch",
                401,
                Some(100010),
            ),
            (
                VolcError::InvalidTimestamp("x".into()),
                "InvalidTimestamp",
                400,
                Some(100006),
            ),
            (VolcError::Throttling, "Throttling", 429, None),
            (VolcError::RequestTooLarge, "RequestTooLarge", 413, None),
        ];
        for (error, code, status, n) in table {
            assert_eq!(
                (error.code(), error.status().as_u16(), error.code_n()),
                (code.to_owned(), status, n)
            );
        }
    }
}
