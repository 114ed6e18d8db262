//! Every action of the Tencent EIAM 2021-04-20 catalog, so that actions not built yet answer
//! `UnsupportedOperation` rather than `InvalidAction`.

/// All action names of the catalog, sorted.
pub const ACTIONS: &[&str] = &[
    "AddAccountToAccountGroup",
    "AddUserToUserGroup",
    "CreateAccountGroup",
    "CreateAppAccount",
    "CreateOrgNode",
    "CreateUser",
    "CreateUserGroup",
    "DeleteAccountGroup",
    "DeleteAppAccount",
    "DeleteOrgNode",
    "DeleteUser",
    "DeleteUserGroup",
    "DeleteUsers",
    "DescribeAccountGroup",
    "DescribeAppAccount",
    "DescribeApplication",
    "DescribeOrgNode",
    "DescribeOrgResourcesAuthorization",
    "DescribePublicKey",
    "DescribeUserGroup",
    "DescribeUserGroupResourcesAuthorization",
    "DescribeUserInfo",
    "DescribeUserResourcesAuthorization",
    "DescribeUserThirdPartyAccountInfo",
    "ListAccountInAccountGroup",
    "ListApplicationAuthorizations",
    "ListApplications",
    "ListAuthorizedApplicationsToOrgNode",
    "ListAuthorizedApplicationsToUser",
    "ListAuthorizedApplicationsToUserGroup",
    "ListUserGroups",
    "ListUserGroupsOfUser",
    "ListUsers",
    "ListUsersInOrgNode",
    "ListUsersInUserGroup",
    "ModifyAccountGroup",
    "ModifyAppAccount",
    "ModifyApplication",
    "ModifyUserInfo",
    "RemoveAccountFromAccountGroup",
    "RemoveUserFromUserGroup",
    "UpdateOrgNode",
];

/// Whether `action` is in the catalog.
pub fn is_catalog_action(action: &str) -> bool {
    ACTIONS.binary_search(&action).is_ok()
}
