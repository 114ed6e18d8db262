//! Departments: the pool's organisational tree, kept with materialised paths.

use crate::clock::Timestamp;
use crate::error::DomainResult;
use crate::ids::{DepartmentUid, UserPoolUid, UserUid};

/// The alias that names a pool's root department wherever a department uid is expected.
pub const ROOT_ALIAS: &str = "root";

/// A department named in a request: by uid, or the pool's root by the alias `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentRef {
    Root,
    Uid(DepartmentUid),
}

impl DepartmentRef {
    /// `root`, or a department uid.
    pub fn parse(value: &str) -> DomainResult<Self> {
        if value == ROOT_ALIAS {
            Ok(Self::Root)
        } else {
            DepartmentUid::parse(value).map(Self::Uid)
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Root => ROOT_ALIAS,
            Self::Uid(uid) => uid.as_str(),
        }
    }
}

impl From<DepartmentUid> for DepartmentRef {
    fn from(uid: DepartmentUid) -> Self {
        Self::Uid(uid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub uid: DepartmentUid,
    pub pool_uid: UserPoolUid,
    pub parent_uid: Option<DepartmentUid>,
    pub name: String,
    pub description: String,
    pub external_id: String,
    pub source: String,
    pub precedence: i64,
    pub iam_role_trn: String,
    /// `/` followed by the uids from the root down to this department, each followed by `/`.
    pub path: String,
    /// The names along the same path, joined by `/`.
    pub name_path: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One change of a batch of department changes (BatchUpsertDepartments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentChange {
    /// A new department under `parent` (which may be created earlier in the same batch).
    Create {
        parent: DepartmentUid,
        department: Department,
    },
    /// A department written back, moved when its parent changed.
    Update(Department),
    /// A department without members or children removed.
    Delete(DepartmentUid),
}

/// A department with the counts computed on read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentView {
    pub department: Department,
    pub direct_children: i64,
    pub direct_members: i64,
    /// Distinct users in this department and every department below it.
    pub members: i64,
}

/// The role a member has in a department unless one was set.
pub const DEFAULT_ROLE: &str = "member";

/// A user's membership of a department, as the user's list shows it. A user's first membership
/// (the one joined first) is its primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub view: DepartmentView,
    pub role: String,
}

/// A department's member, as the department's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentMember {
    pub user_uid: UserUid,
    pub is_primary: bool,
    pub role: String,
}

/// Which of a department's members to list.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub is_primary: Option<bool>,
    pub role: Option<String>,
}

/// A change to one membership.
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    /// Make this the user's primary department (true), or not (false: the user's next
    /// department becomes primary; refused when it is the user's only one).
    pub is_primary: Option<bool>,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NewDepartment {
    pub name: String,
    pub description: String,
    pub external_id: String,
    pub source: String,
    pub precedence: i64,
    pub iam_role_trn: String,
}

/// What to do with a department's children and members when it is deleted.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeleteOptions {
    pub force_delete_children: bool,
    pub force_delete_members: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DepartmentPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub precedence: Option<i64>,
    pub iam_role_trn: Option<String>,
    pub external_id: Option<String>,
    pub parent: Option<DepartmentUid>,
}

/// A department and its subtree, as GetDepartmentTree answers.
#[derive(Debug, Clone)]
pub struct DepartmentNode {
    pub view: DepartmentView,
    pub children: Vec<DepartmentNode>,
}
