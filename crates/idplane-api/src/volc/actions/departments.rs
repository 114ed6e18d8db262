//! CreateDepartment, GetDepartment, UpdateDepartment, DeleteDepartment, ListDepartments,
//! GetDepartmentTree, AddUsersToDepartment, RemoveUsersFromDepartment, ListUsersInDepartment,
//! ListDepartmentsForUser.

use idplane_core::fields::Field;
use idplane_core::ids::DepartmentUid;
use idplane_core::ids::{UserUid, parse_batch};
use idplane_core::model::department::DepartmentRef;
use idplane_core::model::department::{DepartmentNode, DepartmentPatch, NewDepartment};
use idplane_core::query::{
    DepartmentFilter, DepartmentQuery, DepartmentSortField, TextMatch, UserQuery,
};
use idplane_core::service::departments::{DeleteOptions, TreeFilter};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::memberships::{MembershipOut, memberships};
use super::users::{UserFilterIn, user_sort};
use crate::flex::{self, Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::{self, DepartmentOut, ListOut, MessageOut, UserOut};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_pool_uid: String,
    parent_department_uid: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "ExternalID")]
    external_id: Option<String>,
    source: Option<String>,
    precedence: Option<Int>,
    iam_role_trn: Option<String>,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<DepartmentOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let new = NewDepartment {
        name: input.name,
        description: input.description.unwrap_or_default(),
        external_id: input.external_id.unwrap_or_default(),
        source: input.source.unwrap_or_default(),
        precedence: flex::get(input.precedence).unwrap_or(0),
        iam_role_trn: input.iam_role_trn.unwrap_or_default(),
    };
    Ok(ctx
        .dir
        .create_department(
            &pool,
            &DepartmentRef::parse(&input.parent_department_uid)?,
            new,
        )
        .await?
        .into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UidIn {
    user_pool_uid: String,
    department_uid: String,
}

pub async fn get(ctx: &Ctx<'_>, input: UidIn) -> Result<DepartmentOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    Ok(ctx
        .dir
        .get_department(&pool, &DepartmentRef::parse(&input.department_uid)?)
        .await?
        .into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    department_uid: String,
    name: Option<String>,
    description: Option<String>,
    precedence: Option<Int>,
    iam_role_trn: Option<String>,
    parent_department_uid: Option<String>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<DepartmentOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let parent = match input.parent_department_uid.filter(|p| !p.is_empty()) {
        Some(p) => Some(
            ctx.dir
                .get_department(&pool, &DepartmentRef::parse(&p)?)
                .await?
                .department
                .uid,
        ),
        None => None,
    };
    let patch = DepartmentPatch {
        name: input.name,
        description: input.description,
        precedence: flex::get(input.precedence),
        iam_role_trn: input.iam_role_trn,
        external_id: None,
        parent,
    };
    Ok(ctx
        .dir
        .update_department(&pool, &DepartmentRef::parse(&input.department_uid)?, patch)
        .await?
        .into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteIn {
    user_pool_uid: String,
    department_uid: String,
    force_delete_children: Option<Bool>,
    force_delete_members: Option<Bool>,
    member_policy: Option<String>,
}

pub async fn delete(ctx: &Ctx<'_>, input: DeleteIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let _ = input.member_policy;
    let options = DeleteOptions {
        force_delete_children: flex::get(input.force_delete_children).unwrap_or(false),
        force_delete_members: flex::get(input.force_delete_members).unwrap_or(false),
    };
    ctx.dir
        .delete_department(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            options,
        )
        .await?;
    Ok(MessageOut::new("Department deleted successfully"))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentFilterIn {
    department_uid: Option<String>,
    name: Option<String>,
    name_match_mode: Option<Int>,
    description: Option<String>,
    #[serde(rename = "ExternalID")]
    external_id: Option<String>,
    source: Option<String>,
}

fn name_match(name: Option<String>, mode: Option<Int>) -> Result<Option<TextMatch>, VolcError> {
    match name.filter(|n| !n.is_empty()) {
        Some(n) => Ok(Some(TextMatch::from_mode(n, flex::get(mode)).map_err(
            |_| VolcError::invalid("Filter.NameMatchMode", "expected 0, 1 or 2"),
        )?)),
        None => Ok(None),
    }
}

fn sort_field(value: Option<&str>) -> Result<DepartmentSortField, VolcError> {
    match value {
        None | Some("") | Some("Precedence") => Ok(DepartmentSortField::Precedence),
        Some("CreateTime") => Ok(DepartmentSortField::CreateTime),
        Some("UpdateTime") => Ok(DepartmentSortField::UpdateTime),
        Some("Name") => Ok(DepartmentSortField::Name),
        Some(other) => Err(VolcError::invalid(
            "SortField",
            format!("{other:?} is not one of Precedence, CreateTime, UpdateTime, Name"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    user_pool_uid: String,
    parent_department_uid: String,
    page_number: Option<Int>,
    page_size: Option<Int>,
    next_token: Option<String>,
    max_results: Option<Int>,
    filter: Option<DepartmentFilterIn>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut<DepartmentOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(
        input.page_number,
        input.page_size,
        input.next_token,
        input.max_results,
    )?;
    let f = input.filter.unwrap_or_default();
    let uid =
        match f.department_uid.filter(|d| !d.is_empty()) {
            Some(d) => Some(DepartmentUid::parse(&d).map_err(|_| {
                VolcError::invalid("Filter.DepartmentUid", "malformed department uid")
            })?),
            None => None,
        };
    let direction = match input.sort_direction.as_deref() {
        None | Some("") => idplane_core::query::SortDirection::Asc,
        Some(v) => wire::direction(Some(v))?,
    };
    let query = DepartmentQuery {
        filter: DepartmentFilter {
            parent: None,
            uid,
            name: name_match(f.name, f.name_match_mode)?,
            description: f.description.filter(|d| !d.is_empty()),
            external_id: f.external_id.filter(|d| !d.is_empty()),
            source: f.source.filter(|d| !d.is_empty()),
        },
        sort: (sort_field(input.sort_field.as_deref())?, direction),
        paging: paging.clone(),
    };
    let page = ctx
        .dir
        .list_departments(
            &pool,
            &DepartmentRef::parse(&input.parent_department_uid)?,
            query,
        )
        .await?;
    Ok(ListOut::new(page, &paging, DepartmentOut::from))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TreeIn {
    user_pool_uid: String,
    root_department_uid: String,
    max_depth: Option<Int>,
    filter: Option<DepartmentFilterIn>,
    filter_result_mode: Option<Int>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeOut {
    department: DepartmentOut,
    member_count: i64,
    children: Vec<NodeOut>,
}

impl From<DepartmentNode> for NodeOut {
    fn from(n: DepartmentNode) -> Self {
        Self {
            member_count: n.view.members,
            department: n.view.into(),
            children: n.children.into_iter().map(NodeOut::from).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TreeOut {
    roots: Vec<NodeOut>,
}

pub async fn tree(ctx: &Ctx<'_>, input: TreeIn) -> Result<TreeOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let f = input.filter.unwrap_or_default();
    let keep_ancestors = match flex::get(input.filter_result_mode) {
        None | Some(1) => true,
        Some(0) => false,
        Some(other) => {
            return Err(VolcError::invalid(
                "FilterResultMode",
                format!("{other} is not 0 (matches only) or 1 (matches with ancestors)"),
            ));
        }
    };
    let filter = TreeFilter {
        uid: f.department_uid.filter(|d| !d.is_empty()),
        name: name_match(f.name, f.name_match_mode)?,
        description: f.description.filter(|d| !d.is_empty()),
        external_id: f.external_id.filter(|d| !d.is_empty()),
        source: f.source.filter(|d| !d.is_empty()),
        keep_ancestors,
    };
    let roots = ctx
        .dir
        .department_tree(
            &pool,
            &DepartmentRef::parse(&input.root_department_uid)?,
            flex::get(input.max_depth),
            &filter,
        )
        .await?;
    Ok(TreeOut {
        roots: roots.into_iter().map(NodeOut::from).collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembersIn {
    user_pool_uid: String,
    department_uid: String,
    #[serde(default)]
    user_uids: Vec<String>,
}

pub async fn add_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .add_users_to_department(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            &parse_batch(Field::UserIds, &input.user_uids, UserUid::parse)?,
        )
        .await?;
    Ok(MessageOut::new("Users added to department successfully"))
}

pub async fn remove_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .remove_users_from_department(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            &parse_batch(Field::UserIds, &input.user_uids, UserUid::parse)?,
        )
        .await?;
    Ok(MessageOut::new(
        "Users removed from department successfully",
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersIn {
    user_pool_uid: String,
    department_uid: String,
    page_number: Int,
    page_size: Int,
    filter: Option<UserFilterIn>,
}

pub async fn list_users(ctx: &Ctx<'_>, input: ListUsersIn) -> Result<ListOut<UserOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(Some(input.page_number), Some(input.page_size), None, None)?;
    let mut filter = input.filter.unwrap_or_default();
    let recursive = filter.take_recursive();
    let query = UserQuery {
        conditions: filter.conditions()?,
        sort: user_sort(None, None)?,
        paging: paging.clone(),
    };
    let page = ctx
        .dir
        .list_users_in_department(
            &pool,
            &DepartmentRef::parse(&input.department_uid)?,
            recursive,
            query,
        )
        .await?;
    Ok(ListOut::new(page, &paging, UserOut::new))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForUserIn {
    user_pool_uid: String,
    user_uid: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForUserOut {
    departments: Vec<MembershipOut>,
}

pub async fn list_for_user(ctx: &Ctx<'_>, input: ForUserIn) -> Result<ForUserOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let views = ctx
        .dir
        .departments_for_user(&pool, &UserUid::parse(&input.user_uid)?)
        .await?;
    Ok(ForUserOut {
        departments: memberships(views),
    })
}
