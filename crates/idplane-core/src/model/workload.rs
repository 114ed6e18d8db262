//! Workload pools: issuers of agent tokens, each holding workload identities.

use crate::clock::Timestamp;
use crate::ids::{AccountId, WorkloadPoolId};
use crate::model::pool::Tag;

/// The name of the workload pool that requests naming none act on, made on first use.
pub const DEFAULT_WORKLOAD_POOL: &str = "default";

/// A workload pool of one account. Its name is unique in the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadPool {
    pub id: WorkloadPoolId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    pub project_name: String,
    pub tags: Vec<Tag>,
    /// Whether token exchange may create the identity a trusted token maps to.
    pub allow_auto_create_identity: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
