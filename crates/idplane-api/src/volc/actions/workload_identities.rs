//! CreateWorkloadIdentity, GetWorkloadIdentity, ListWorkloadIdentities,
//! UpdateWorkloadIdentity, DeleteWorkloadIdentity, AddWorkloadMetaData,
//! RemoveWorkloadMetaData. Requests name the pool by `WorkloadPoolName` (`default` when absent).

use idplane_core::error::{DomainError, Field};
use idplane_core::model::workload::{Metadata, WorkloadIdentity, WorkloadPool};
use idplane_core::query::{
    TextMatch, WorkloadIdentityFilter, WorkloadIdentityQuery, WorkloadIdentitySortField,
};
use idplane_core::service::workload_identities::{
    MetadataEdit, MetadataMode, NewWorkloadIdentity, WorkloadIdentityChange,
};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::flex::Int;
use crate::volc::error::VolcError;
use crate::volc::wire;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataWire {
    key: String,
    #[serde(default)]
    values: Vec<String>,
}

impl From<MetadataWire> for Metadata {
    fn from(m: MetadataWire) -> Self {
        Metadata {
            key: m.key,
            values: m.values,
        }
    }
}

impl From<Metadata> for MetadataWire {
    fn from(m: Metadata) -> Self {
        MetadataWire {
            key: m.key,
            values: m.values,
        }
    }
}

fn metadata_in(values: Option<Vec<MetadataWire>>) -> Vec<Metadata> {
    values
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The identity's TRN: its account, pool and name.
fn trn(pool: &WorkloadPool, identity: &WorkloadIdentity) -> String {
    format!(
        "trn:id::{}:workloadpool/{}/workload/{}",
        pool.account_id, pool.name, identity.name
    )
}

/// A workload identity as the Create, Get and List actions answer it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityOut {
    name: String,
    workload_pool_name: String,
    trn: String,
    category: String,
    description: String,
    meta_data: Vec<MetadataWire>,
    allowed_resource_oauth2_return_urls: Vec<String>,
    source: String,
    created_at: String,
    updated_at: String,
}

impl IdentityOut {
    fn new(pool: &WorkloadPool, identity: WorkloadIdentity) -> Self {
        Self {
            trn: trn(pool, &identity),
            workload_pool_name: pool.name.clone(),
            name: identity.name,
            category: identity.category,
            description: identity.description,
            meta_data: identity.metadata.into_iter().map(Into::into).collect(),
            allowed_resource_oauth2_return_urls: identity.return_urls,
            source: identity.source,
            created_at: identity.created_at.to_iso_seconds(),
            updated_at: identity.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    workload_pool_name: Option<String>,
    name: Option<String>,
    category: Option<String>,
    description: Option<String>,
    meta_data: Option<Vec<MetadataWire>>,
    allowed_resource_oauth2_return_urls: Option<Vec<String>>,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<IdentityOut, VolcError> {
    let new = NewWorkloadIdentity {
        name: input.name.unwrap_or_default(),
        category: input.category.unwrap_or_default(),
        description: input.description.unwrap_or_default(),
        metadata: metadata_in(input.meta_data),
        return_urls: input
            .allowed_resource_oauth2_return_urls
            .unwrap_or_default(),
    };
    let (pool, identity) = ctx
        .workloads
        .create_identity(ctx.caller, input.workload_pool_name.as_deref(), new)
        .await?;
    Ok(IdentityOut::new(&pool, identity))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NamedIn {
    workload_pool_name: Option<String>,
    name: Option<String>,
}

pub async fn get(ctx: &Ctx<'_>, input: NamedIn) -> Result<IdentityOut, VolcError> {
    let (pool, identity) = ctx
        .workloads
        .identity(
            ctx.caller,
            input.workload_pool_name.as_deref(),
            &input.name.unwrap_or_default(),
        )
        .await?;
    Ok(IdentityOut::new(&pool, identity))
}

#[derive(Debug, Serialize)]
pub struct Empty {}

pub async fn delete(ctx: &Ctx<'_>, input: NamedIn) -> Result<Empty, VolcError> {
    ctx.workloads
        .delete_identity(
            ctx.caller,
            input.workload_pool_name.as_deref(),
            &input.name.unwrap_or_default(),
        )
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    workload_pool_name: Option<String>,
    name: Option<String>,
    description: Option<String>,
    meta_data: Option<Vec<MetadataWire>>,
    meta_data_update_mode: Option<String>,
    allowed_resource_oauth2_return_urls: Option<Vec<String>>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<IdentityOut, VolcError> {
    let mode = match input.meta_data_update_mode.as_deref() {
        None | Some("") => MetadataMode::default(),
        Some(m) => MetadataMode::parse(m)?,
    };
    let change = WorkloadIdentityChange {
        description: input.description,
        return_urls: input.allowed_resource_oauth2_return_urls,
        metadata: input
            .meta_data
            .map(|m| (m.into_iter().map(Into::into).collect(), mode)),
    };
    let (pool, identity) = ctx
        .workloads
        .update_identity(
            ctx.caller,
            input.workload_pool_name.as_deref(),
            &input.name.unwrap_or_default(),
            change,
        )
        .await?;
    Ok(IdentityOut::new(&pool, identity))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataIn {
    workload_pool_name: Option<String>,
    workload_identity: Option<String>,
    meta_data: Option<Vec<MetadataWire>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOut {
    workload_pool_name: String,
    workload_identity: String,
    meta_data: Vec<MetadataWire>,
}

impl MetadataOut {
    fn new(pool: WorkloadPool, identity: WorkloadIdentity) -> Self {
        Self {
            workload_pool_name: pool.name,
            workload_identity: identity.name,
            meta_data: identity.metadata.into_iter().map(Into::into).collect(),
        }
    }
}

pub async fn add_metadata(ctx: &Ctx<'_>, input: MetadataIn) -> Result<MetadataOut, VolcError> {
    edit_metadata(ctx, input, MetadataEdit::Add).await
}

pub async fn remove_metadata(ctx: &Ctx<'_>, input: MetadataIn) -> Result<MetadataOut, VolcError> {
    edit_metadata(ctx, input, MetadataEdit::Remove).await
}

async fn edit_metadata(
    ctx: &Ctx<'_>,
    input: MetadataIn,
    edit: fn(Vec<Metadata>) -> MetadataEdit,
) -> Result<MetadataOut, VolcError> {
    let (pool, identity) = ctx
        .workloads
        .edit_identity_metadata(
            ctx.caller,
            input.workload_pool_name.as_deref(),
            &input.workload_identity.unwrap_or_default(),
            edit(metadata_in(input.meta_data)),
        )
        .await?;
    Ok(MetadataOut::new(pool, identity))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    workload_pool_name: Option<String>,
    page_number: Option<Int>,
    page_size: Option<Int>,
    name: Option<String>,
    category: Option<String>,
    source: Option<String>,
    trn: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOut {
    workload_identities: Vec<IdentityOut>,
    total_count: i64,
    page_number: u32,
    page_size: u32,
}

fn sort_by(value: Option<&str>) -> Result<WorkloadIdentitySortField, VolcError> {
    match value {
        None | Some("") | Some("CreatedAt") | Some("CreateTime") => {
            Ok(WorkloadIdentitySortField::CreatedAt)
        }
        Some("UpdatedAt") | Some("UpdateTime") => Ok(WorkloadIdentitySortField::UpdatedAt),
        Some("Name") => Ok(WorkloadIdentitySortField::Name),
        Some(other) => Err(VolcError::invalid(
            "SortBy",
            format!("{other:?} is not one of CreatedAt, UpdatedAt, Name"),
        )),
    }
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut, VolcError> {
    let paging = wire::paging(input.page_number, input.page_size, None, None)?;
    // A TRN names one identity of one pool: its name is the last segment.
    let trn_name = match input.trn.filter(|t| !t.is_empty()) {
        Some(t) => {
            let name = t.rsplit('/').next().unwrap_or_default().to_owned();
            if t.len() > 2048 || name.len() > 255 {
                return Err(DomainError::invalid(
                    Field::WorkloadTrn,
                    "is not a workload identity's TRN",
                )
                .into());
            }
            Some(name)
        }
        None => None,
    };
    let query = WorkloadIdentityQuery {
        filter: WorkloadIdentityFilter {
            name: match trn_name {
                Some(n) => Some(TextMatch::Exact(n)),
                None => input
                    .name
                    .filter(|n| !n.is_empty())
                    .map(TextMatch::Contains),
            },
            category: input.category.filter(|c| !c.is_empty()),
            source: input.source.filter(|s| !s.is_empty()),
        },
        sort: (
            sort_by(input.sort_by.as_deref())?,
            wire::sort_order(input.sort_order.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let (pool, page) = ctx
        .workloads
        .list_identities(ctx.caller, input.workload_pool_name.as_deref(), query)
        .await?;
    let (page_number, page_size) = wire::page_numbers(&paging);
    Ok(ListOut {
        workload_identities: page
            .items
            .into_iter()
            .map(|i| IdentityOut::new(&pool, i))
            .collect(),
        total_count: page.total,
        page_number,
        page_size,
    })
}
