//! The action table: each built action's name, input type and handler. A handler decodes
//! nothing and encodes nothing itself: it turns a typed input into one service call.

mod clients;
mod departments;
mod groups;
mod maus;
mod memberships;
mod pools;
mod users;

use idplane_core::model::account::Caller;
use idplane_core::service::{ClientService, Directory, PoolAccess};
use serde_json::Value;

use super::decode::decode;
use super::error::VolcError;

/// What a handler may use.
pub struct Ctx<'a> {
    pub dir: &'a Directory,
    pub clients: &'a ClientService,
    pub caller: &'a Caller,
    pub public_url: &'a str,
}

impl Ctx<'_> {
    /// The pool named by a request, checked against the caller.
    pub async fn pool(&self, uid: &str) -> Result<PoolAccess, VolcError> {
        Ok(self.dir.pool_access(self.caller, uid).await?)
    }
}

macro_rules! actions {
    ($ctx:expr, $action:expr, $params:expr, { $($name:literal => $handler:path,)* }) => {
        match $action {
            $($name => {
                let input = decode($params)?;
                let output = $handler($ctx, input).await?;
                serde_json::to_value(output).map_err(|e| {
                    tracing::error!(error = %e, "encoding a response failed");
                    VolcError::InternalError
                })
            })*
            other => Err(VolcError::NotImplemented(other.to_owned())),
        }
    };
}

/// Runs one action. Catalog actions without a handler answer `NotImplemented`.
pub async fn dispatch(ctx: &Ctx<'_>, action: &str, params: Value) -> Result<Value, VolcError> {
    actions!(ctx, action, params, {
        "CreateUserPool" => pools::create,
        "GetUserPool" => pools::get,
        "ListUserPools" => pools::list,
        "UpdateUserPool" => pools::update,
        "DeleteUserPool" => pools::delete,
        "GetUserPoolMaus" => maus::get,
        "ListUserPoolWellKnownEndpoints" => clients::well_known,
        "CreateUserPoolClient" => clients::create,
        "GetUserPoolClient" => clients::get,
        "ListUserPoolClients" => clients::list,
        "UpdateUserPoolClient" => clients::update,
        "DeleteUserPoolClient" => clients::delete,
        "CreateUser" => users::create,
        "CreateUsers" => users::create_many,
        "GetUser" => users::get,
        "UpdateUser" => users::update,
        "UpdateUsers" => users::update_many,
        "DeleteUsers" => users::delete_many,
        "ListUsers" => users::list,
        "CreateGroup" => groups::create,
        "GetGroup" => groups::get,
        "UpdateGroup" => groups::update,
        "DeleteGroup" => groups::delete,
        "ListGroups" => groups::list,
        "AddUsersToGroup" => groups::add_users,
        "RemoveUsersFromGroup" => groups::remove_users,
        "ListUsersInGroup" => groups::list_users,
        "ListGroupsForUser" => groups::list_for_user,
        "ListGroupsForUsers" => memberships::groups_for_users,
        "BatchListDepartmentsForUsers" => memberships::departments_for_users,
        "BatchGetDepartments" => memberships::batch_get_departments,
        "GetDepartmentPath" => memberships::department_path,
        "ChangeUsersDepartment" => memberships::change_users_department,
        "ChangeUsersGroup" => memberships::change_users_group,
        "ListDepartmentMembers" => memberships::department_members,
        "UpdateDepartmentMember" => memberships::update_department_member,
        "CreateDepartment" => departments::create,
        "GetDepartment" => departments::get,
        "UpdateDepartment" => departments::update,
        "DeleteDepartment" => departments::delete,
        "ListDepartments" => departments::list,
        "GetDepartmentTree" => departments::tree,
        "AddUsersToDepartment" => departments::add_users,
        "RemoveUsersFromDepartment" => departments::remove_users,
        "ListUsersInDepartment" => departments::list_users,
        "ListDepartmentsForUser" => departments::list_for_user,
    })
}
