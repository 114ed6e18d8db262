//! The EIAM action table: each built action's name, handler (its input and output types),
//! effect and own "not found" codes.

mod groups;
mod org;
mod users;

use idplane_core::DomainError;
use idplane_core::error::Kind;
use idplane_core::service::{Directory, PoolAccess};
use serde_json::Value;

use super::decode::decode;
use super::error::{NotFoundCodes, TcError, from_domain};

/// A list parameter holds at most [`MAX_BATCH`] items, as in the Volcengine dialect.
pub const MAX_BATCH: usize = idplane_core::service::users::MAX_BATCH;

/// Refuses a list of more than [`MAX_BATCH`] items, naming the parameter.
pub fn batch<T>(field: &str, items: &[T]) -> Result<(), TcError> {
    if items.len() > MAX_BATCH {
        return Err(TcError::InvalidParameterValue(format!(
            "{field} holds at most {MAX_BATCH} items, got {}.",
            items.len()
        )));
    }
    Ok(())
}

/// What a handler may use: the services and the pool the request acts on.
pub struct Ctx<'a> {
    pub dir: &'a Directory,
    pub access: &'a PoolAccess,
}

/// A handler's failure: a domain reason, which the error table names (with the action's own
/// codes for "not found"), or a request the dialect could not read.
#[derive(Debug)]
pub enum Failure {
    Domain(DomainError),
    Request(TcError),
}

impl From<DomainError> for Failure {
    fn from(e: DomainError) -> Self {
        Failure::Domain(e)
    }
}

impl From<TcError> for Failure {
    fn from(e: TcError) -> Self {
        Failure::Request(e)
    }
}

/// Whether an action changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Reads,
    Writes,
}

macro_rules! actions {
    ($($name:literal => $handler:path, $effect:ident, [$($kind:ident => $code:literal),*],)*) => {
        /// Runs one action, answering its result as JSON text. Catalog actions without a
        /// handler answer `UnsupportedOperation`.
        pub async fn dispatch(ctx: &Ctx<'_>, action: &str, params: Value) -> Result<String, TcError> {
            match action {
                $($name => {
                    const CODES: NotFoundCodes = &[$((Kind::$kind, $code)),*];
                    let input = decode(params)?;
                    let output = $handler(ctx, input).await.map_err(|f| match f {
                        Failure::Domain(e) => from_domain(e, CODES),
                        Failure::Request(e) => e,
                    })?;
                    serde_json::to_string(&output).map_err(|e| {
                        tracing::error!(error = %e, "encoding a response failed");
                        TcError::InternalError
                    })
                })*
                other => Err(TcError::UnsupportedOperation(other.to_owned())),
            }
        }

        /// What an action does; an action without a handler changes nothing.
        pub fn effect(action: &str) -> Effect {
            match action {
                $($name => Effect::$effect,)*
                _ => Effect::Reads,
            }
        }
    };
}

// Each built action: its handler, whether it changes anything, and the codes EIAM gives it
// for a kind of thing not found where they differ from the error table's.
actions! {
    "CreateUser" => users::create, Writes, [Department => "MainOrgNodeNotExist"],
    "DescribeUserInfo" => users::describe, Reads, [],
    "ModifyUserInfo" => users::modify, Writes, [Department => "MainOrgNodeNotExist"],
    "DeleteUser" => users::delete, Writes, [],
    "DeleteUsers" => users::delete_many, Writes, [],
    "ListUsers" => users::list, Reads, [],
    "CreateUserGroup" => groups::create, Writes, [],
    "DescribeUserGroup" => groups::describe, Reads, [],
    "DeleteUserGroup" => groups::delete, Writes, [],
    "ListUserGroups" => groups::list, Reads, [],
    "AddUserToUserGroup" => groups::add_users, Writes, [],
    "RemoveUserFromUserGroup" => groups::remove_users, Writes, [],
    "ListUserGroupsOfUser" => groups::list_of_user, Reads, [],
    "ListUsersInUserGroup" => groups::list_users, Reads, [Group => "GroupIdNotFound"],
    "CreateOrgNode" => org::create, Writes, [],
    "DescribeOrgNode" => org::describe, Reads, [],
    "UpdateOrgNode" => org::update, Writes, [],
    "DeleteOrgNode" => org::delete, Writes, [Department => "OrgNodeIdNotExist"],
    "ListUsersInOrgNode" => org::list_users, Reads, [],
}
