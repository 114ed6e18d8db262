//! The EIAM name of each domain input: the request field where EIAM has one, else the input in
//! plain words (EIAM has no such field, so its clients never send it).

use idplane_core::error::Field;

/// How an EIAM error message names `field`.
pub fn wire(field: Field) -> &'static str {
    use Field::*;
    match field {
        Username => "UserName",
        Email => "Email",
        Phone => "Phone",
        Password => "Password",
        DisplayName | GroupName | DepartmentName => "DisplayName",
        UserDescription | GroupDescription | DepartmentDescription => "Description",
        UserId => "UserId",
        UserIds | Users => "UserIds",
        GroupId => "UserGroupId",
        GroupIds => "UserGroupIds",
        DepartmentId | DepartmentIds => "OrgNodeId",
        ParentDepartment => "ParentOrgNodeId",
        SecondaryDepartments => "SecondaryOrgNodeIdList",
        ExternalId => "CustomizedOrgNodeId",
        ClientId => "ClientId",
        PageNumber => "Offset",
        PageSize | MaxResults => "Limit",
        SortDirection => "Sort.SortOrder",
        other => other.label(),
    }
}
