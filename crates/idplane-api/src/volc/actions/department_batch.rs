//! BatchUpsertDepartments: a source's departments by external id, in one write.

use idplane_core::service::department_batch::{
    BatchAction, BatchItem, BatchOutcome, ItemOutcome, ItemStatus, Operation,
};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::flex::{self, Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::DepartmentOut;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemIn {
    action: Option<String>,
    #[serde(rename = "ExternalID")]
    external_id: Option<String>,
    #[serde(rename = "ExternalParentID")]
    external_parent_id: Option<String>,
    name: Option<String>,
    description: Option<String>,
    precedence: Option<Int>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchIn {
    user_pool_uid: String,
    source: String,
    departments: Option<Vec<ItemIn>>,
    dry_run: Option<Bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemOut {
    #[serde(rename = "ExternalID")]
    external_id: String,
    operation: &'static str,
    status: &'static str,
    department_uid: String,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<DepartmentOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<DepartmentOut>,
}

impl From<ItemOutcome> for ItemOut {
    fn from(o: ItemOutcome) -> Self {
        Self {
            external_id: o.external_id,
            operation: match o.operation {
                Operation::Create => "Create",
                Operation::Update => "Update",
                Operation::Delete => "Delete",
                Operation::Skip => "Skip",
            },
            status: match o.status {
                ItemStatus::Succeeded => "Succeeded",
                ItemStatus::Planned => "Planned",
                ItemStatus::Failed => "Failed",
            },
            department_uid: o
                .department_uid
                .map(|u| u.into_string())
                .unwrap_or_default(),
            message: o.message,
            before: o.before.map(Into::into),
            after: o.after.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchOut {
    created: i64,
    updated: i64,
    deleted: i64,
    skipped: i64,
    errors: Vec<String>,
    items: Vec<ItemOut>,
}

impl From<BatchOutcome> for BatchOut {
    fn from(o: BatchOutcome) -> Self {
        Self {
            created: o.created,
            updated: o.updated,
            deleted: o.deleted,
            skipped: o.skipped,
            errors: o.errors,
            items: o.items.into_iter().map(Into::into).collect(),
        }
    }
}

pub async fn batch_upsert(ctx: &Ctx<'_>, input: BatchIn) -> Result<BatchOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let items = input
        .departments
        .unwrap_or_default()
        .into_iter()
        .map(|i| BatchItem {
            action: BatchAction::parse(i.action.as_deref().unwrap_or("")),
            external_id: i.external_id.unwrap_or_default(),
            external_parent_id: i.external_parent_id.unwrap_or_default(),
            name: i.name,
            description: i.description,
            precedence: flex::get(i.precedence),
        })
        .collect();
    let dry_run = flex::get(input.dry_run).unwrap_or(false);
    Ok(ctx
        .dir
        .batch_upsert_departments(&pool, &input.source, items, dry_run)
        .await?
        .into())
}
