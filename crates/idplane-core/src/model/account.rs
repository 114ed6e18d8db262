//! Accounts (tenants) and the access keys that act for them.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{AccessKeyId, AccountId, UserPoolUid};

/// The name of the account that bootstrap keys and keys made without `--account` belong to.
pub const DEFAULT_ACCOUNT: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessKeyStatus {
    Active,
    Inactive,
}

impl AccessKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKeyStatus::Active => "active",
            AccessKeyStatus::Inactive => "inactive",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(AccessKeyStatus::Active),
            "inactive" => Some(AccessKeyStatus::Inactive),
            _ => None,
        }
    }
}

/// An access key as stored: the secret is sealed under the master key.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub id: AccessKeyId,
    pub account_id: AccountId,
    pub sealed_secret: String,
    pub status: AccessKeyStatus,
    /// When set, the key may only act on this pool.
    pub bound_pool: Option<UserPoolUid>,
    pub description: String,
    pub created_at: Timestamp,
}

/// Who is calling, established by a verified signature. Only the authentication step builds one,
/// so a service that takes a `&Caller` knows the request was authenticated.
#[derive(Debug, Clone)]
pub struct Caller {
    account_id: AccountId,
    access_key_id: AccessKeyId,
    bound_pool: Option<UserPoolUid>,
}

impl Caller {
    pub(crate) fn new(key: &AccessKey) -> Self {
        Self {
            account_id: key.account_id.clone(),
            access_key_id: key.id.clone(),
            bound_pool: key.bound_pool.clone(),
        }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.access_key_id
    }

    pub fn bound_pool(&self) -> Option<&UserPoolUid> {
        self.bound_pool.as_ref()
    }
}
