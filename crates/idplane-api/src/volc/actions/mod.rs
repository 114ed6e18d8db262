//! The action table: each built action's name, input type and handler. A handler decodes
//! nothing and encodes nothing itself: it turns a typed input into one service call.

mod attribute_filter;
mod clients;
mod custom_attributes;
mod department_batch;
mod departments;
mod groups;
mod maus;
mod memberships;
mod pools;
mod users;
mod workload_identities;
mod workload_pools;

use idplane_core::ids::UserPoolUid;
use idplane_core::model::account::Caller;
use idplane_core::service::{ClientService, Directory, PoolAccess, WorkloadService};
use serde_json::Value;

use super::decode::decode;
use super::error::VolcError;

/// What a handler may use.
pub struct Ctx<'a> {
    pub dir: &'a Directory,
    pub clients: &'a ClientService,
    pub workloads: &'a WorkloadService,
    pub caller: &'a Caller,
    pub public_url: &'a str,
}

impl Ctx<'_> {
    /// The pool named by a request, checked against the caller.
    pub async fn pool(&self, uid: &str) -> Result<PoolAccess, VolcError> {
        Ok(self
            .dir
            .pool_access(self.caller, &UserPoolUid::parse(uid)?)
            .await?)
    }
}

/// Whether an action changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Reads,
    Writes,
}

macro_rules! actions {
    ($($name:literal => $handler:path, $effect:ident,)*) => {
        /// Runs one action. Catalog actions without a handler answer `NotImplemented`.
        pub async fn dispatch(ctx: &Ctx<'_>, action: &str, params: Value) -> Result<Value, VolcError> {
            match action {
                $($name => {
                    let input = decode(params)?;
                    let output = $handler(ctx, input).await?;
                    serde_json::to_value(output).map_err(|e| {
                        tracing::error!(error = %e, "encoding a response failed");
                        VolcError::InternalError
                    })
                })*
                other => Err(VolcError::NotImplemented(other.to_owned())),
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

// Each built action: its handler (whose input and output types are the action's wire types)
// and whether it changes anything.
actions! {
    "CreateUserPool" => pools::create, Writes,
    "GetUserPool" => pools::get, Reads,
    "ListUserPools" => pools::list, Reads,
    "UpdateUserPool" => pools::update, Writes,
    "DeleteUserPool" => pools::delete, Writes,
    "CreateUserPoolCustomAttribute" => custom_attributes::create, Writes,
    "UpdateUserPoolCustomAttribute" => custom_attributes::update, Writes,
    "DeleteUserPoolCustomAttribute" => custom_attributes::delete, Writes,
    "GetUserPoolMaus" => maus::get, Reads,
    "ListUserPoolWellKnownEndpoints" => clients::well_known, Reads,
    "CreateUserPoolClient" => clients::create, Writes,
    "GetUserPoolClient" => clients::get, Reads,
    "ListUserPoolClients" => clients::list, Reads,
    "UpdateUserPoolClient" => clients::update, Writes,
    "DeleteUserPoolClient" => clients::delete, Writes,
    "CreateUser" => users::create, Writes,
    "CreateUsers" => users::create_many, Writes,
    "GetUser" => users::get, Reads,
    "UpdateUser" => users::update, Writes,
    "UpdateUsers" => users::update_many, Writes,
    "DeleteUsers" => users::delete_many, Writes,
    "ListUsers" => users::list, Reads,
    "CreateGroup" => groups::create, Writes,
    "GetGroup" => groups::get, Reads,
    "UpdateGroup" => groups::update, Writes,
    "DeleteGroup" => groups::delete, Writes,
    "ListGroups" => groups::list, Reads,
    "AddUsersToGroup" => groups::add_users, Writes,
    "RemoveUsersFromGroup" => groups::remove_users, Writes,
    "ListUsersInGroup" => groups::list_users, Reads,
    "ListGroupsForUser" => groups::list_for_user, Reads,
    "ListGroupsForUsers" => memberships::groups_for_users, Reads,
    "BatchListDepartmentsForUsers" => memberships::departments_for_users, Reads,
    "BatchGetDepartments" => memberships::batch_get_departments, Reads,
    "BatchUpsertDepartments" => department_batch::batch_upsert, Writes,
    "GetDepartmentPath" => memberships::department_path, Reads,
    "ChangeUsersDepartment" => memberships::change_users_department, Writes,
    "ChangeUsersGroup" => memberships::change_users_group, Writes,
    "ListDepartmentMembers" => memberships::department_members, Reads,
    "UpdateDepartmentMember" => memberships::update_department_member, Writes,
    "CreateWorkloadPool" => workload_pools::create, Writes,
    "GetWorkloadPool" => workload_pools::get, Reads,
    "ListWorkloadPools" => workload_pools::list, Reads,
    "UpdateWorkloadPool" => workload_pools::update, Writes,
    "DeleteWorkloadPool" => workload_pools::delete, Writes,
    "CreateWorkloadIdentity" => workload_identities::create, Writes,
    "GetWorkloadIdentity" => workload_identities::get, Reads,
    "ListWorkloadIdentities" => workload_identities::list, Reads,
    "UpdateWorkloadIdentity" => workload_identities::update, Writes,
    "DeleteWorkloadIdentity" => workload_identities::delete, Writes,
    "AddWorkloadMetaData" => workload_identities::add_metadata, Writes,
    "RemoveWorkloadMetaData" => workload_identities::remove_metadata, Writes,
    "CreateDepartment" => departments::create, Writes,
    "GetDepartment" => departments::get, Reads,
    "UpdateDepartment" => departments::update, Writes,
    "DeleteDepartment" => departments::delete, Writes,
    "ListDepartments" => departments::list, Reads,
    "GetDepartmentTree" => departments::tree, Reads,
    "AddUsersToDepartment" => departments::add_users, Writes,
    "RemoveUsersFromDepartment" => departments::remove_users, Writes,
    "ListUsersInDepartment" => departments::list_users, Reads,
    "ListDepartmentsForUser" => departments::list_for_user, Reads,
}
