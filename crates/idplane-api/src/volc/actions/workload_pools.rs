//! CreateWorkloadPool, GetWorkloadPool, ListWorkloadPools, UpdateWorkloadPool,
//! DeleteWorkloadPool.

use idplane_core::ids::WorkloadPoolId;
use idplane_core::model::workload::WorkloadPool;
use idplane_core::query::{
    TagFilter, TextMatch, WorkloadPoolFilter, WorkloadPoolQuery, WorkloadPoolSortField,
};
use idplane_core::service::workloads::{NewWorkloadPool, WorkloadPoolChange, WorkloadPoolRef};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::flex::Int;
use crate::volc::error::VolcError;
use crate::volc::wire::{self, TagWire};

/// A workload pool as the Get, Create and List actions answer it. The issuer of its tokens is
/// `Url`; its discovery document is at `DiscoveryUrl`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkloadPoolOut {
    workload_pool_id: String,
    workload_pool_name: String,
    description: String,
    project_name: String,
    tags: Vec<TagWire>,
    trn: String,
    url: String,
    discovery_url: String,
    allow_auto_create_identity: bool,
    trust_anchors: Vec<String>,
    total_workloads: i64,
    total_credentials: i64,
    created_at: String,
    updated_at: String,
}

impl WorkloadPoolOut {
    fn new(pool: WorkloadPool, public_url: &str) -> Self {
        let url = format!("{public_url}/workloadpool/{}", pool.id);
        Self {
            trn: format!("trn:id::{}:workloadpool/{}", pool.account_id, pool.name),
            discovery_url: format!("{url}/.well-known/openid-configuration"),
            url,
            workload_pool_id: pool.id.into_string(),
            workload_pool_name: pool.name,
            description: pool.description,
            project_name: pool.project_name,
            tags: pool.tags.into_iter().map(Into::into).collect(),
            allow_auto_create_identity: pool.allow_auto_create_identity,
            trust_anchors: Vec::new(),
            total_workloads: pool.total_identities,
            total_credentials: 0,
            created_at: pool.created_at.to_iso_seconds(),
            updated_at: pool.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    workload_pool_name: Option<String>,
    description: Option<String>,
    project_name: Option<String>,
    tags: Option<Vec<TagWire>>,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<WorkloadPoolOut, VolcError> {
    let new = NewWorkloadPool {
        name: input.workload_pool_name.unwrap_or_default(),
        description: input.description.unwrap_or_default(),
        project_name: input.project_name.unwrap_or_default(),
        tags: input
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
    };
    let pool = ctx.workloads.create_pool(ctx.caller, new).await?;
    Ok(WorkloadPoolOut::new(pool, ctx.public_url))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetIn {
    workload_pool_id: Option<String>,
    workload_pool_name: Option<String>,
}

pub async fn get(ctx: &Ctx<'_>, input: GetIn) -> Result<WorkloadPoolOut, VolcError> {
    let named = WorkloadPoolRef {
        id: input
            .workload_pool_id
            .filter(|id| !id.is_empty())
            .map(|id| WorkloadPoolId::parse(&id))
            .transpose()?,
        name: input.workload_pool_name.filter(|n| !n.is_empty()),
    };
    let pool = ctx.workloads.pool(ctx.caller, &named).await?;
    Ok(WorkloadPoolOut::new(pool, ctx.public_url))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    workload_pool_name: Option<String>,
    description: Option<String>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<WorkloadPoolOut, VolcError> {
    let pool = ctx
        .workloads
        .update_pool(
            ctx.caller,
            &input.workload_pool_name.unwrap_or_default(),
            WorkloadPoolChange {
                description: input.description,
            },
        )
        .await?;
    Ok(WorkloadPoolOut::new(pool, ctx.public_url))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteIn {
    workload_pool_name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

pub async fn delete(ctx: &Ctx<'_>, input: DeleteIn) -> Result<Empty, VolcError> {
    ctx.workloads
        .delete_pool(ctx.caller, &input.workload_pool_name.unwrap_or_default())
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagFilterIn {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    page_number: Option<Int>,
    page_size: Option<Int>,
    project_name: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    tag_filters: Option<Vec<TagFilterIn>>,
    workload_pool_id: Option<String>,
    workload_pool_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOut {
    workload_pools: Vec<WorkloadPoolOut>,
    total_count: i64,
    page_number: u32,
    page_size: u32,
}

fn sort_by(value: Option<&str>) -> Result<WorkloadPoolSortField, VolcError> {
    match value {
        None | Some("") | Some("CreatedAt") | Some("CreateTime") => {
            Ok(WorkloadPoolSortField::CreatedAt)
        }
        Some("UpdatedAt") | Some("UpdateTime") => Ok(WorkloadPoolSortField::UpdatedAt),
        Some("WorkloadPoolName") | Some("Name") => Ok(WorkloadPoolSortField::Name),
        Some(other) => Err(VolcError::invalid(
            "SortBy",
            format!("{other:?} is not one of CreatedAt, UpdatedAt, WorkloadPoolName"),
        )),
    }
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut, VolcError> {
    let paging = wire::paging(input.page_number, input.page_size, None, None)?;
    let query = WorkloadPoolQuery {
        filter: WorkloadPoolFilter {
            name: input
                .workload_pool_name
                .filter(|n| !n.is_empty())
                .map(TextMatch::Contains),
            id: input.workload_pool_id.filter(|id| !id.is_empty()),
            project_name: input.project_name.filter(|p| !p.is_empty()),
            tags: input
                .tag_filters
                .unwrap_or_default()
                .into_iter()
                .map(|f| TagFilter {
                    key: f.key,
                    values: f.values,
                })
                .collect(),
        },
        sort: (
            sort_by(input.sort_by.as_deref())?,
            wire::sort_order(input.sort_order.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let page = ctx.workloads.list_pools(ctx.caller, query).await?;
    let (page_number, page_size) = wire::page_numbers(&paging);
    Ok(ListOut {
        workload_pools: page
            .items
            .into_iter()
            .map(|p| WorkloadPoolOut::new(p, ctx.public_url))
            .collect(),
        total_count: page.total,
        page_number,
        page_size,
    })
}
