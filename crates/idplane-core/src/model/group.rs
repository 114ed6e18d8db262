//! Groups: flat, named sets of users in a pool.

use crate::clock::Timestamp;
use crate::ids::{GroupUid, UserPoolUid};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub uid: GroupUid,
    pub pool_uid: UserPoolUid,
    pub name: String,
    pub description: String,
    pub precedence: i64,
    pub iam_role_trn: String,
    pub source: String,
    pub member_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    pub name: String,
    pub description: String,
    pub precedence: i64,
    pub iam_role_trn: String,
}

#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub description: Option<String>,
    pub precedence: Option<i64>,
    pub iam_role_trn: Option<String>,
}
