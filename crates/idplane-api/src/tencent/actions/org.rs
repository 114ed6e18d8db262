//! CreateOrgNode, DescribeOrgNode, UpdateOrgNode, DeleteOrgNode, ListUsersInOrgNode: the org
//! node tree is the department tree of the Volcengine dialect; an empty OrgNodeId is the root.

use idplane_core::error::DomainResult;
use idplane_core::ids::DepartmentUid;
use idplane_core::model::department::{
    DepartmentPatch, DepartmentRef, DepartmentView, NewDepartment,
};
use idplane_core::query::{DepartmentQuery, DepartmentSortField, Paging, SortDirection, UserQuery};
use idplane_core::service::departments::DeleteOptions;
use serde::{Deserialize, Serialize};

use super::users::{Empty, MEMBER_SORT_KEYS, SearchIn, UserInfoOut, user_infos};
use super::{Ctx, Failure};
use crate::flex::{self, Bool, Int};
use crate::tencent::error::TcError;
use crate::tencent::wire::{self, SortIn};

/// An org node named in a request: empty or absent is the root.
fn node_ref(id: Option<&str>) -> DomainResult<DepartmentRef> {
    match id {
        Some(i) if !i.is_empty() => DepartmentRef::parse(i),
        _ => Ok(DepartmentRef::Root),
    }
}

async fn node(ctx: &Ctx<'_>, id: Option<&str>) -> Result<DepartmentView, Failure> {
    Ok(ctx.dir.get_department(ctx.access, &node_ref(id)?).await?)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    display_name: String,
    parent_org_node_id: Option<String>,
    description: Option<String>,
    customized_org_node_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOut {
    org_node_id: String,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<CreateOut, Failure> {
    if input.customized_org_node_id.as_deref() == Some("") {
        return Err(TcError::CustomizedOrgNodeIdEmpty.into());
    }
    let parent = node_ref(input.parent_org_node_id.as_deref())?;
    let new = NewDepartment {
        name: input.display_name,
        description: input.description.unwrap_or_default(),
        external_id: input.customized_org_node_id.unwrap_or_default(),
        ..NewDepartment::default()
    };
    let created = ctx.dir.create_department(ctx.access, &parent, new).await?;
    Ok(CreateOut {
        org_node_id: created.department.uid.into_string(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeOut {
    org_node_id: String,
    display_name: String,
    description: String,
    parent_org_node_id: String,
    customized_org_node_id: String,
    data_source: String,
    created_date: String,
    last_modified_date: String,
}

impl From<DepartmentView> for NodeOut {
    fn from(v: DepartmentView) -> Self {
        let d = v.department;
        Self {
            org_node_id: d.uid.into_string(),
            display_name: d.name,
            description: d.description,
            parent_org_node_id: d.parent_uid.map(|p| p.into_string()).unwrap_or_default(),
            customized_org_node_id: d.external_id,
            data_source: if d.source.is_empty() {
                idplane_core::service::users::DATA_SOURCE.to_owned()
            } else {
                d.source
            },
            created_date: wire::time(d.created_at),
            last_modified_date: wire::time(d.updated_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeIn {
    org_node_id: Option<String>,
    include_org_node_child_info: Option<Bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOut {
    #[serde(flatten)]
    node: NodeOut,
    org_node_child_info: Vec<NodeOut>,
}

async fn children(ctx: &Ctx<'_>, parent: DepartmentUid) -> Result<Vec<DepartmentView>, Failure> {
    let query = DepartmentQuery {
        filter: Default::default(),
        sort: (DepartmentSortField::Name, SortDirection::Asc),
        paging: Paging::Offset {
            offset: 0,
            limit: 10_000,
        },
    };
    Ok(ctx
        .dir
        .list_departments(ctx.access, &parent.into(), query)
        .await?
        .items)
}

pub async fn describe(ctx: &Ctx<'_>, input: DescribeIn) -> Result<DescribeOut, Failure> {
    let v = node(ctx, input.org_node_id.as_deref()).await?;
    let kids = if flex::get(input.include_org_node_child_info).unwrap_or(false) {
        children(ctx, v.department.uid.clone()).await?
    } else {
        Vec::new()
    };
    Ok(DescribeOut {
        node: v.into(),
        org_node_child_info: kids.into_iter().map(NodeOut::from).collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    org_node_id: String,
    display_name: String,
    description: Option<String>,
    customized_org_node_id: Option<String>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<Empty, Failure> {
    let v = node(ctx, Some(&input.org_node_id)).await?;
    let patch = DepartmentPatch {
        name: Some(input.display_name),
        description: input.description,
        external_id: input.customized_org_node_id,
        ..DepartmentPatch::default()
    };
    ctx.dir
        .update_department(ctx.access, &v.department.uid.into(), patch)
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteIn {
    org_node_id: String,
}

pub async fn delete(ctx: &Ctx<'_>, input: DeleteIn) -> Result<Empty, Failure> {
    let options = DeleteOptions {
        force_delete_children: true,
        force_delete_members: false,
    };
    ctx.dir
        .delete_department(ctx.access, &node_ref(Some(&input.org_node_id))?, options)
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersIn {
    org_node_id: Option<String>,
    include_org_node_child_info: Option<Bool>,
    search_condition: Option<SearchIn>,
    sort: Option<SortIn>,
    offset: Option<Int>,
    limit: Option<Int>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NodeUsers {
    org_node_id: String,
    user_info: Vec<UserInfoOut>,
    total_user_num: i64,
    org_node_id_path: String,
    org_node_name_path: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersOut {
    #[serde(flatten)]
    node: NodeUsers,
    org_node_child_user_info: Vec<NodeUsers>,
}

async fn node_users(
    ctx: &Ctx<'_>,
    v: DepartmentView,
    query: &UserQuery,
) -> Result<NodeUsers, Failure> {
    let q = query.clone();
    let page = ctx
        .dir
        .list_users_in_department(ctx.access, &v.department.uid.clone().into(), false, q)
        .await?;
    let (user_info, total) = user_infos(page);
    let d = v.department;
    Ok(NodeUsers {
        org_node_id_path: d.path.trim_matches('/').to_owned(),
        org_node_name_path: d.name_path,
        org_node_id: d.uid.into_string(),
        user_info,
        total_user_num: total,
    })
}

pub async fn list_users(ctx: &Ctx<'_>, input: UsersIn) -> Result<UsersOut, Failure> {
    let v = node(ctx, input.org_node_id.as_deref()).await?;
    let query = UserQuery {
        conditions: match input.search_condition {
            Some(s) => s.conditions()?,
            None => Vec::new(),
        },
        sort: wire::user_sort(input.sort, MEMBER_SORT_KEYS)?,
        paging: wire::paging(input.offset, input.limit, 50)?,
    };
    let uid = v.department.uid.clone();
    let main = node_users(ctx, v, &query).await?;
    let mut child_users = Vec::new();
    if flex::get(input.include_org_node_child_info).unwrap_or(false) {
        for child in children(ctx, uid).await? {
            child_users.push(node_users(ctx, child, &query).await?);
        }
    }
    Ok(UsersOut {
        node: main,
        org_node_child_user_info: child_users,
    })
}
