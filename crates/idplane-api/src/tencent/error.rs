//! The Tencent Cloud API 3.0 error table for EIAM: every failure the dialect can answer, each
//! mapped once to its code. Tencent answers every error with HTTP 200.

use idplane_core::DomainError;
use idplane_core::error::{
    AccessError, AttributeError, DepartmentError, GroupError, Kind, PoolError, UserError,
    WorkloadIdentityError, WorkloadPoolError,
};

use super::fields::wire;

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
    /// CreateOrgNode's `CustomizedOrgNodeId` sent as an empty string.
    CustomizedOrgNodeIdEmpty,
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
            TcError::CustomizedOrgNodeIdEmpty => {
                "FailedOperation.CustomizedOrgNodeIdCanNotBeEmpty".into()
            }
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
            TcError::CustomizedOrgNodeIdEmpty => {
                "CustomizedOrgNodeId must not be an empty string.".into()
            }
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

/// How one action names a "not found" of a kind when EIAM gives that action a code of its own
/// (DeleteOrgNode's `OrgNodeIdNotExist`, ListUsersInUserGroup's `GroupIdNotFound`, …): a
/// column of the action table.
pub type NotFoundCodes = &'static [(Kind, &'static str)];

impl From<DomainError> for TcError {
    fn from(e: DomainError) -> Self {
        from_domain(e, &[])
    }
}

/// The EIAM answer to each domain reason, in EIAM's field names; `codes` are the action's own
/// names for "not found".
pub fn from_domain(e: DomainError, codes: NotFoundCodes) -> TcError {
    let named = |kind: Kind, default: &'static str| {
        codes
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(default, |(_, code)| code)
    };
    let failed = |code: &'static str, message: String| TcError::Failed(code, message);
    match e {
        DomainError::Missing { field } => TcError::MissingParameter(format!(
            "The required parameter {} is missing.",
            wire(field)
        )),
        DomainError::Invalid { field, message } => {
            TcError::InvalidParameterValue(format!("invalid {}: {message}", wire(field)))
        }
        DomainError::User(reason) => match reason {
            UserError::NotFound(id) => failed(
                named(Kind::User, "UserNotFound"),
                format!("The user {id} does not exist."),
            ),
            UserError::UsernameTaken => failed(
                "UserNameAlreadyExists",
                "The user name already exists.".into(),
            ),
            UserError::EmailTaken => failed(
                "UserEmailAlreadyExists",
                "The user email already exists.".into(),
            ),
            UserError::PhoneTaken => failed(
                "UserPhoneAlreadyExists",
                "The user phone number already exists.".into(),
            ),
            UserError::ChangedConcurrently => failed("OperationFailure", reason.to_string()),
        },
        DomainError::Group(reason) => match reason {
            GroupError::NotFound(id) => failed(
                named(Kind::Group, "UserGroupNotExist"),
                format!("The user group {id} does not exist."),
            ),
            GroupError::NameTaken => failed(
                "CreateUserGroupError",
                "A user group with this name already exists.".into(),
            ),
        },
        DomainError::Department(reason) => match reason {
            DepartmentError::NotFound(id) => failed(
                named(Kind::Department, "OrgNodeNotExist"),
                format!("The org node {id} does not exist."),
            ),
            DepartmentError::ParentNotFound(id) => failed(
                "ParentOrgNodeIdNotFound",
                format!("The parent org node {id} does not exist."),
            ),
            DepartmentError::NameTaken => failed(
                "ChildOrgNodeNameAlreadyExists",
                "A child org node with the same name already exists under this org node.".into(),
            ),
            DepartmentError::IsRoot => failed(
                "OrgNodeRootCanNotBeDeleted",
                "The root org node cannot be deleted.".into(),
            ),
            DepartmentError::HasMembers => failed(
                "OrgNodeWithUsersCanNotBeDeleted",
                "An org node that contains users cannot be deleted.".into(),
            ),
            DepartmentError::DescendantsHaveMembers => failed(
                "ChildOrgNodeWithUsersCanNotBeDeleted",
                "An org node whose child nodes contain users cannot be deleted.".into(),
            ),
            DepartmentError::HasChildren => failed(
                "DeleteOrgNodeError",
                "The org node has child org nodes.".into(),
            ),
            DepartmentError::OnlyDepartment { .. } => {
                failed("OrgNodeSettingError", format!("{reason}."))
            }
            DepartmentError::NotAMember { .. } => failed("OperationFailure", format!("{reason}.")),
        },
        DomainError::Pool(PoolError::NotFound(_))
        | DomainError::Client(_)
        | DomainError::WorkloadPool(WorkloadPoolError::NotFound(_))
        | DomainError::WorkloadIdentity(WorkloadIdentityError::NotFound(_)) => {
            TcError::ResourceNotFound(e.to_string())
        }
        DomainError::Attribute(AttributeError::NotFound(_)) => {
            TcError::ResourceNotFound(e.to_string())
        }
        DomainError::Attribute(_) => TcError::InvalidParameterValue(e.to_string()),
        DomainError::Pool(PoolError::NameTaken)
        | DomainError::WorkloadPool(_)
        | DomainError::WorkloadIdentity(_)
        | DomainError::IdTaken(_) => failed("OperationError", e.to_string()),
        DomainError::Access(reason) => match reason {
            AccessError::AccountNotFound(_) | AccessError::KeyNotFound(_) => {
                TcError::SecretIdNotFound
            }
            AccessError::KeyInactive
            | AccessError::OtherPool
            | AccessError::BoundKeyCreatesPool
            | AccessError::BoundKeyManagesWorkloads => {
                TcError::UnauthorizedOperation(reason.to_string())
            }
            AccessError::WrongMasterKey(_) => {
                tracing::error!(error = %reason, "internal error");
                TcError::InternalError
            }
        },
        DomainError::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            TcError::InternalError
        }
    }
}

#[cfg(test)]
mod tests {
    use idplane_core::error::Field;

    use super::*;

    /// Every domain reason answers one EIAM code (HTTP 200 for all, per API 3.0); the
    /// directory's own failures use EIAM's `FailedOperation.*` names.
    #[test]
    fn each_domain_reason_has_its_code() {
        let table: Vec<(DomainError, &str)> = vec![
            (DomainError::missing(Field::UserId), "MissingParameter"),
            (
                DomainError::invalid(Field::Email, "malformed"),
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
                DepartmentError::ParentNotFound("p".into()).into(),
                "FailedOperation.ParentOrgNodeIdNotFound",
            ),
            (
                DomainError::not_found(Kind::Client, "c"),
                "ResourceNotFound",
            ),
            (
                UserError::UsernameTaken.into(),
                "FailedOperation.UserNameAlreadyExists",
            ),
            (
                UserError::EmailTaken.into(),
                "FailedOperation.UserEmailAlreadyExists",
            ),
            (
                UserError::PhoneTaken.into(),
                "FailedOperation.UserPhoneAlreadyExists",
            ),
            (
                DepartmentError::NameTaken.into(),
                "FailedOperation.ChildOrgNodeNameAlreadyExists",
            ),
            (
                GroupError::NameTaken.into(),
                "FailedOperation.CreateUserGroupError",
            ),
            (
                DepartmentError::IsRoot.into(),
                "FailedOperation.OrgNodeRootCanNotBeDeleted",
            ),
            (
                DepartmentError::HasMembers.into(),
                "FailedOperation.OrgNodeWithUsersCanNotBeDeleted",
            ),
            (
                DepartmentError::DescendantsHaveMembers.into(),
                "FailedOperation.ChildOrgNodeWithUsersCanNotBeDeleted",
            ),
            (
                UserError::ChangedConcurrently.into(),
                "FailedOperation.OperationFailure",
            ),
            (
                AccessError::OtherPool.into(),
                "AuthFailure.UnauthorizedOperation",
            ),
            (
                DomainError::not_found(Kind::AccessKey, "k"),
                "AuthFailure.SecretIdNotFound",
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

    /// EIAM messages name EIAM's fields, never another dialect's.
    #[test]
    fn messages_use_eiam_field_names() {
        for (field, name) in [
            (Field::Phone, "Phone"),
            (Field::Username, "UserName"),
            (Field::GroupId, "UserGroupId"),
            (Field::DepartmentId, "OrgNodeId"),
        ] {
            let message = TcError::from(DomainError::invalid(field, "bad")).message();
            assert!(message.contains(name), "{message}");
            for volc in [
                "PhoneNumber",
                "PreferredUsername",
                "GroupUid",
                "DepartmentUid",
            ] {
                assert!(!message.contains(volc), "{message}");
            }
        }
    }

    /// An action's own "not found" codes replace the table's for that kind only.
    #[test]
    fn actions_name_their_own_not_found() {
        const CODES: NotFoundCodes = &[(Kind::Department, "OrgNodeIdNotExist")];
        let wire = from_domain(DomainError::not_found(Kind::Department, "d"), CODES);
        assert_eq!(wire.code(), "FailedOperation.OrgNodeIdNotExist");
        let wire = from_domain(DomainError::not_found(Kind::User, "u"), CODES);
        assert_eq!(wire.code(), "FailedOperation.UserNotFound");
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
