//! Workload pools: issuers of agent tokens, each holding workload identities.

use crate::clock::Timestamp;
use crate::ids::{AccountId, WorkloadIdentityId, WorkloadPoolId};
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
    /// How many workload identities it holds (as read; 0 for a pool just made).
    pub total_identities: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One metadata entry of a workload identity: a key and its values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    pub key: String,
    pub values: Vec<String>,
}

/// How an identity came to be.
pub const SOURCE_MANUAL: &str = "Manual";

/// An agent or service of a workload pool. Its name is unique in the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadIdentity {
    pub id: WorkloadIdentityId,
    pub pool_id: WorkloadPoolId,
    pub name: String,
    pub category: String,
    pub description: String,
    pub metadata: Vec<Metadata>,
    /// Where GetResourceOauth2Token may send the user back after consent.
    pub return_urls: Vec<String>,
    /// `Manual` (made by CreateWorkloadIdentity), or the trust anchor that made it.
    pub source: String,
    /// Moves on with every write; a write names the revision it read.
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
