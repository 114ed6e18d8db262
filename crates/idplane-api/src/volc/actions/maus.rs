//! GetUserPoolMaus: monthly active users per pool.

use idplane_core::model::activity::MauReport;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::volc::error::VolcError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MausIn {
    user_pool_uids: Option<Vec<String>>,
    month: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolMauOut {
    user_pool_uid: String,
    mau: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MausOut {
    month: String,
    user_pool_maus: Vec<PoolMauOut>,
}

impl From<MauReport> for MausOut {
    fn from(report: MauReport) -> Self {
        Self {
            month: report.month.to_string(),
            user_pool_maus: report
                .pools
                .into_iter()
                .map(|p| PoolMauOut {
                    user_pool_uid: p.pool_uid.into_string(),
                    mau: p.users,
                })
                .collect(),
        }
    }
}

pub async fn get(ctx: &Ctx<'_>, input: MausIn) -> Result<MausOut, VolcError> {
    let pools = input.user_pool_uids.unwrap_or_default();
    let report = ctx
        .dir
        .monthly_active_users(ctx.caller, &pools, input.month.as_deref())
        .await?;
    Ok(report.into())
}
