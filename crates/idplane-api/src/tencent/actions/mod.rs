//! The EIAM action table: each built action's name, input type and handler.

mod groups;
mod org;
mod users;

use idplane_core::service::{Directory, PoolAccess};
use serde_json::Value;

use super::decode::decode;
use super::error::TcError;

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

macro_rules! actions {
    ($ctx:expr, $action:expr, $params:expr, { $($name:literal => $handler:path,)* }) => {
        match $action {
            $($name => {
                let input = decode($params)?;
                let output = $handler($ctx, input).await?;
                serde_json::to_string(&output).map_err(|e| {
                    tracing::error!(error = %e, "encoding a response failed");
                    TcError::InternalError
                })
            })*
            other => Err(TcError::UnsupportedOperation(other.to_owned())),
        }
    };
}

/// Runs one action, answering its result as JSON text. Catalog actions without a handler
/// answer `UnsupportedOperation`.
pub async fn dispatch(ctx: &Ctx<'_>, action: &str, params: Value) -> Result<String, TcError> {
    actions!(ctx, action, params, {
        "CreateUser" => users::create,
        "DescribeUserInfo" => users::describe,
        "ModifyUserInfo" => users::modify,
        "DeleteUser" => users::delete,
        "DeleteUsers" => users::delete_many,
        "ListUsers" => users::list,
        "CreateUserGroup" => groups::create,
        "DescribeUserGroup" => groups::describe,
        "DeleteUserGroup" => groups::delete,
        "ListUserGroups" => groups::list,
        "AddUserToUserGroup" => groups::add_users,
        "RemoveUserFromUserGroup" => groups::remove_users,
        "ListUserGroupsOfUser" => groups::list_of_user,
        "ListUsersInUserGroup" => groups::list_users,
        "CreateOrgNode" => org::create,
        "DescribeOrgNode" => org::describe,
        "UpdateOrgNode" => org::update,
        "DeleteOrgNode" => org::delete,
        "ListUsersInOrgNode" => org::list_users,
    })
}
