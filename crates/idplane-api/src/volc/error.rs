//! The Volcengine error table: every failure the dialect can answer, each mapped once to its
//! wire code, numeric code and HTTP status.

use axum::http::StatusCode;
use idplane_core::DomainError;
use idplane_core::error::{
    AccessError, AttributeError, ClientError, DepartmentError, GroupError, PoolError, UserError,
    WorkloadIdentityError, WorkloadPoolError,
};

use super::fields::wire;

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
    /// The Volcengine answer to each domain reason, in this dialect's field names.
    fn from(e: DomainError) -> Self {
        use VolcError::{Conflict, Duplicated, NotFound};
        match e {
            DomainError::Missing { field } => VolcError::MissingParameter(wire(field).to_owned()),
            DomainError::Invalid { field, message } => VolcError::InvalidParameter {
                field: Some(wire(field).to_owned()),
                message: format!("invalid {}: {message}", wire(field)),
            },
            DomainError::User(reason) => match reason {
                UserError::NotFound(id) => NotFound(format!("User {id} does not exist")),
                UserError::UsernameTaken => {
                    Duplicated("User with this PreferredUsername already exists".into())
                }
                UserError::EmailTaken => Duplicated("User with this Email already exists".into()),
                UserError::PhoneTaken => {
                    Duplicated("User with this PhoneNumber already exists".into())
                }
                UserError::ChangedConcurrently => Conflict(reason.to_string()),
            },
            DomainError::Group(reason) => match reason {
                GroupError::NotFound(id) => NotFound(format!("Group {id} does not exist")),
                GroupError::NameTaken => Duplicated("Group with this Name already exists".into()),
            },
            DomainError::Department(reason) => department(reason),
            DomainError::Pool(reason) => match reason {
                PoolError::NotFound(id) => NotFound(format!("UserPool {id} does not exist")),
                PoolError::NameTaken => Duplicated("UserPool with this Name already exists".into()),
            },
            DomainError::Client(ClientError::NotFound(id)) => {
                NotFound(format!("UserPoolClient {id} does not exist"))
            }
            DomainError::Access(reason) => match reason {
                AccessError::AccountNotFound(id) => {
                    NotFound(format!("Account {id} does not exist"))
                }
                AccessError::KeyNotFound(id) => NotFound(format!("AccessKey {id} does not exist")),
                AccessError::KeyInactive
                | AccessError::OtherPool
                | AccessError::BoundKeyCreatesPool
                | AccessError::BoundKeyManagesWorkloads => {
                    VolcError::AccessDenied(reason.to_string())
                }
                AccessError::WrongMasterKey(_) => {
                    tracing::error!(error = %reason, "internal error");
                    VolcError::InternalError
                }
            },
            DomainError::Attribute(reason) => attribute(reason),
            DomainError::WorkloadPool(reason) => match reason {
                WorkloadPoolError::NotFound(name) => {
                    NotFound(format!("WorkloadPool {name} does not exist"))
                }
                WorkloadPoolError::NameTaken => {
                    Duplicated("WorkloadPool with this WorkloadPoolName already exists".into())
                }
                WorkloadPoolError::HasIdentities => {
                    Conflict("the WorkloadPool holds workload identities; delete them first".into())
                }
            },
            DomainError::WorkloadIdentity(reason) => match reason {
                WorkloadIdentityError::NotFound(name) => {
                    NotFound(format!("WorkloadIdentity {name} does not exist"))
                }
                WorkloadIdentityError::NameTaken => Duplicated(
                    "WorkloadIdentity with this Name already exists in the WorkloadPool".into(),
                ),
                WorkloadIdentityError::ChangedConcurrently => Conflict(reason.to_string()),
            },
            DomainError::IdTaken(_) => Duplicated("A resource with this Uid already exists".into()),
            DomainError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                VolcError::InternalError
            }
        }
    }
}

fn attribute(reason: AttributeError) -> VolcError {
    let message = reason.to_string();
    match reason {
        AttributeError::NotFound(id) => {
            VolcError::NotFound(format!("CustomAttribute {id} does not exist"))
        }
        AttributeError::NameTaken => VolcError::Duplicated(message),
        AttributeError::InUse | AttributeError::TooMany(_) => VolcError::Conflict(message),
        AttributeError::Undeclared(_) | AttributeError::ReadOnly(_) => VolcError::invalid(
            wire(idplane_core::error::Field::CustomAttributeName),
            message,
        ),
    }
}

fn department(reason: DepartmentError) -> VolcError {
    use VolcError::{Conflict, Duplicated, NotFound};
    match reason {
        DepartmentError::NotFound(id) => NotFound(format!("Department {id} does not exist")),
        DepartmentError::ParentNotFound(id) => NotFound(format!(
            "Department {id} (ParentDepartmentUid) does not exist"
        )),
        DepartmentError::NameTaken => {
            Duplicated("Department with this Name already exists under the parent".into())
        }
        DepartmentError::IsRoot => Conflict("the root department cannot be deleted".into()),
        DepartmentError::HasChildren => Conflict(
            "the department has child departments; set ForceDeleteChildren to delete them too"
                .into(),
        ),
        DepartmentError::HasMembers | DepartmentError::DescendantsHaveMembers => Conflict(
            "the department has members; set ForceDeleteMembers to remove them from it (users \
             are kept)"
                .into(),
        ),
        DepartmentError::OnlyDepartment { .. } | DepartmentError::NotAMember { .. } => {
            Conflict(reason.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use idplane_core::error::{Field, Kind};

    use super::*;

    /// Every domain reason answers one code and status on the Volcengine dialect; "already
    /// exists" is 409 `Duplicated` and "not found" 404 `NotFound`, as the agent kit relies on;
    /// fields are named as the catalog names them.
    #[test]
    fn each_domain_reason_has_its_code_and_status() {
        let table: Vec<(DomainError, &str, u16)> = vec![
            (
                DomainError::missing(Field::PoolId),
                "MissingParameter.UserPoolUid",
                400,
            ),
            (
                DomainError::invalid(Field::GroupName, "too long"),
                "InvalidParameter.Name",
                400,
            ),
            (
                DomainError::invalid(Field::Username, "bad"),
                "InvalidParameter.PreferredUsername",
                400,
            ),
            (
                DomainError::invalid(Field::Phone, "bad"),
                "InvalidParameter.PhoneNumber",
                400,
            ),
            (DomainError::not_found(Kind::User, "u1"), "NotFound", 404),
            (
                DomainError::not_found(Kind::Department, "d1"),
                "NotFound",
                404,
            ),
            (
                DepartmentError::ParentNotFound("p".into()).into(),
                "NotFound",
                404,
            ),
            (DomainError::not_found(Kind::UserPool, "p"), "NotFound", 404),
            (DomainError::not_found(Kind::Client, "c"), "NotFound", 404),
            (UserError::UsernameTaken.into(), "Duplicated", 409),
            (UserError::EmailTaken.into(), "Duplicated", 409),
            (UserError::PhoneTaken.into(), "Duplicated", 409),
            (GroupError::NameTaken.into(), "Duplicated", 409),
            (DepartmentError::NameTaken.into(), "Duplicated", 409),
            (PoolError::NameTaken.into(), "Duplicated", 409),
            (DomainError::IdTaken(Kind::Client), "Duplicated", 409),
            (UserError::ChangedConcurrently.into(), "Conflict", 409),
            (DepartmentError::IsRoot.into(), "Conflict", 409),
            (DepartmentError::HasChildren.into(), "Conflict", 409),
            (DepartmentError::HasMembers.into(), "Conflict", 409),
            (
                DepartmentError::DescendantsHaveMembers.into(),
                "Conflict",
                409,
            ),
            (AccessError::KeyInactive.into(), "AccessDenied", 403),
            (AccessError::OtherPool.into(), "AccessDenied", 403),
            (AccessError::BoundKeyCreatesPool.into(), "AccessDenied", 403),
            (
                AccessError::BoundKeyManagesWorkloads.into(),
                "AccessDenied",
                403,
            ),
            (
                WorkloadPoolError::NotFound("w".into()).into(),
                "NotFound",
                404,
            ),
            (WorkloadPoolError::NameTaken.into(), "Duplicated", 409),
            (WorkloadPoolError::HasIdentities.into(), "Conflict", 409),
            (
                WorkloadIdentityError::NotFound("a".into()).into(),
                "NotFound",
                404,
            ),
            (WorkloadIdentityError::NameTaken.into(), "Duplicated", 409),
            (
                WorkloadIdentityError::ChangedConcurrently.into(),
                "Conflict",
                409,
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
        let wire = VolcError::from(DomainError::invalid(Field::Phone, "not E.164"));
        assert!(wire.message().contains("PhoneNumber"), "{}", wire.message());
        let wire = VolcError::from(DomainError::from(DepartmentError::HasChildren));
        assert!(wire.message().contains("ForceDeleteChildren"));
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
