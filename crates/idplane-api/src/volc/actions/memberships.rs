//! ListGroupsForUsers, BatchListDepartmentsForUsers, BatchGetDepartments, GetDepartmentPath,
//! ChangeUsersDepartment, ChangeUsersGroup, ListDepartmentMembers, UpdateDepartmentMember: who
//! belongs where.

use idplane_core::DomainError;
use idplane_core::fields::Field;
use idplane_core::ids::{DepartmentUid, GroupUid, UserUid, parse_batch};
use idplane_core::model::department::DepartmentRef;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use idplane_core::model::department::{MemberFilter, MemberPatch, Membership};
use idplane_core::query::Paging;

use super::Ctx;
use crate::flex::{self, Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::wire;
use crate::volc::wire::{DepartmentOut, GroupOut, MessageOut};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersIn {
    user_pool_uid: String,
    #[serde(default)]
    user_uids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserGroupsOut {
    user_uid: String,
    groups: Vec<GroupOut>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupsForUsersOut {
    data: Vec<UserGroupsOut>,
}

pub async fn groups_for_users(
    ctx: &Ctx<'_>,
    input: UsersIn,
) -> Result<GroupsForUsersOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let users = ctx
        .dir
        .groups_for_users(&pool, &user_batch(&input.user_uids)?)
        .await?;
    Ok(GroupsForUsersOut {
        data: users
            .into_iter()
            .map(|(user, groups)| UserGroupsOut {
                user_uid: user.as_str().to_owned(),
                groups: groups.into_iter().map(GroupOut::from).collect(),
            })
            .collect(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembershipOut {
    department: DepartmentOut,
    is_primary: bool,
    role: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDepartmentsOut {
    user_uid: String,
    departments: Vec<MembershipOut>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentsForUsersOut {
    users: Vec<UserDepartmentsOut>,
}

/// A user's memberships, primary first.
pub fn memberships(list: Vec<Membership>) -> Vec<MembershipOut> {
    list.into_iter()
        .enumerate()
        .map(|(i, m)| MembershipOut {
            department: m.view.into(),
            is_primary: i == 0,
            role: m.role,
        })
        .collect()
}

pub async fn departments_for_users(
    ctx: &Ctx<'_>,
    input: UsersIn,
) -> Result<DepartmentsForUsersOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let users = ctx
        .dir
        .departments_for_users(&pool, &user_batch(&input.user_uids)?)
        .await?;
    Ok(DepartmentsForUsersOut {
        users: users
            .into_iter()
            .map(|(user, views)| UserDepartmentsOut {
                user_uid: user.as_str().to_owned(),
                departments: memberships(views),
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentUidsIn {
    user_pool_uid: String,
    #[serde(default)]
    department_uids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentsByUidOut {
    departments_by_uid: BTreeMap<String, DepartmentOut>,
}

pub async fn batch_get_departments(
    ctx: &Ctx<'_>,
    input: DepartmentUidsIn,
) -> Result<DepartmentsByUidOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let views = ctx
        .dir
        .departments_by_uid(
            &pool,
            &if input.department_uids.is_empty() {
                Vec::new()
            } else {
                parse_batch(
                    Field::DepartmentIds,
                    &input.department_uids,
                    DepartmentUid::parse,
                )?
            },
        )
        .await?;
    Ok(DepartmentsByUidOut {
        departments_by_uid: views
            .into_iter()
            .map(|v| (v.department.uid.as_str().to_owned(), v.into()))
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PathIn {
    user_pool_uid: String,
    department_uid: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PathOut {
    path: Vec<DepartmentOut>,
}

pub async fn department_path(ctx: &Ctx<'_>, input: PathIn) -> Result<PathOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let path = ctx
        .dir
        .department_path(&pool, &DepartmentRef::parse(&input.department_uid)?)
        .await?;
    Ok(PathOut {
        path: path.into_iter().map(DepartmentOut::from).collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeDepartmentIn {
    user_pool_uid: String,
    origin_department_uid: String,
    new_department_uid: String,
    #[serde(default)]
    user_uids: Vec<String>,
}

pub async fn change_users_department(
    ctx: &Ctx<'_>,
    input: ChangeDepartmentIn,
) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .change_users_department(
            &pool,
            &DepartmentRef::parse(&input.origin_department_uid)?,
            &DepartmentRef::parse(&input.new_department_uid)?,
            &user_batch(&input.user_uids)?,
        )
        .await?;
    Ok(MessageOut::new("Users moved successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembersIn {
    user_pool_uid: String,
    department_uid: String,
    page_number: Option<Int>,
    page_size: Option<Int>,
    is_primary: Option<Bool>,
    role: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MemberOut {
    user_uid: String,
    is_primary: bool,
    role: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembersOut {
    members: Vec<MemberOut>,
    page_number: u32,
    page_size: u32,
    total_count: i64,
}

pub async fn department_members(ctx: &Ctx<'_>, input: MembersIn) -> Result<MembersOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(input.page_number, input.page_size, None, None)?;
    let filter = MemberFilter {
        is_primary: flex::get(input.is_primary),
        role: input.role,
    };
    let page = ctx
        .dir
        .list_department_members(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            filter,
            &paging,
        )
        .await?;
    let (page_number, page_size) = match paging {
        Paging::Page { number, size } => (number, size),
        _ => (1, 0),
    };
    Ok(MembersOut {
        members: page
            .items
            .into_iter()
            .map(|m| MemberOut {
                user_uid: m.user_uid.as_str().to_owned(),
                is_primary: m.is_primary,
                role: m.role,
            })
            .collect(),
        page_number,
        page_size,
        total_count: page.total,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateMemberIn {
    user_pool_uid: String,
    department_uid: String,
    user_uid: String,
    is_primary: Option<Bool>,
    role: Option<String>,
}

pub async fn update_department_member(
    ctx: &Ctx<'_>,
    input: UpdateMemberIn,
) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let patch = MemberPatch {
        is_primary: flex::get(input.is_primary),
        role: input.role,
    };
    ctx.dir
        .update_department_member(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            &UserUid::parse(&input.user_uid)?,
            patch,
        )
        .await?;
    Ok(MessageOut::new("Department member updated successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeGroupIn {
    user_pool_uid: String,
    new_group_uid: String,
    #[serde(default)]
    user_uids: Vec<String>,
}

pub async fn change_users_group(
    ctx: &Ctx<'_>,
    input: ChangeGroupIn,
) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .change_users_group(
            &pool,
            &GroupUid::parse(&input.new_group_uid)?,
            &user_batch(&input.user_uids)?,
        )
        .await?;
    Ok(MessageOut::new("Users moved successfully"))
}

/// A request's `UserUids`: 1 to 100 well-formed uids.
fn user_batch(uids: &[String]) -> Result<Vec<UserUid>, DomainError> {
    parse_batch(Field::UserIds, uids, UserUid::parse)
}
