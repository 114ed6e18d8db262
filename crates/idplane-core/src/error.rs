//! The domain's errors: one enum per area naming the reason, and the input a parameter error
//! is about by its domain identity ([`Field`]). Nothing here speaks a dialect: each dialect
//! spells the fields and maps every reason once, in its own tables.

use thiserror::Error;

pub use crate::fields::Field;

/// What kind of thing was not found (for [`DomainError::not_found`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Account,
    AccessKey,
    UserPool,
    User,
    Group,
    Department,
    Client,
    CustomAttribute,
    WorkloadPool,
    WorkloadIdentity,
}

/// A workload pool.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkloadPoolError {
    #[error("workload pool {0} does not exist")]
    NotFound(String),
    #[error("a workload pool with this name already exists")]
    NameTaken,
    #[error("the workload pool holds workload identities; delete them first")]
    HasIdentities,
}

/// A workload identity.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkloadIdentityError {
    #[error("workload identity {0} does not exist")]
    NotFound(String),
    #[error("a workload identity with this name already exists in the pool")]
    NameTaken,
    /// Writes kept racing others: the caller may try again.
    #[error("the workload identity was changed concurrently; try again")]
    ChangedConcurrently,
}

/// A user, or one of its unique identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("user {0} does not exist")]
    NotFound(String),
    #[error("a user with this user name already exists")]
    UsernameTaken,
    #[error("a user with this e-mail address already exists")]
    EmailTaken,
    #[error("a user with this phone number already exists")]
    PhoneTaken,
    /// A conditional write found the user changed since it was read.
    #[error("the user was changed concurrently; read it again")]
    ChangedConcurrently,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupError {
    #[error("group {0} does not exist")]
    NotFound(String),
    #[error("a group with this name already exists")]
    NameTaken,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DepartmentError {
    #[error("department {0} does not exist")]
    NotFound(String),
    /// The parent named for a new or moved department does not exist.
    #[error("parent department {0} does not exist")]
    ParentNotFound(String),
    /// A sibling already has the name.
    #[error("a department with this name already exists under the same parent")]
    NameTaken,
    #[error("the root department cannot be deleted")]
    IsRoot,
    #[error("the department has child departments; they must be deleted with it explicitly")]
    HasChildren,
    #[error("the department has members; they must be removed from it explicitly")]
    HasMembers,
    /// The department has no members of its own, but some of its descendants do.
    #[error("departments under this one have members; they must be removed explicitly")]
    DescendantsHaveMembers,
    /// A user's only department cannot stop being its primary one.
    #[error("department {department} is the only department of user {user}, so it stays primary")]
    OnlyDepartment { user: String, department: String },
    #[error("user {user} is not a member of department {department}")]
    NotAMember { user: String, department: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PoolError {
    #[error("user pool {0} does not exist")]
    NotFound(String),
    #[error("a user pool with this name already exists in the account")]
    NameTaken,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClientError {
    #[error("client {0} does not exist")]
    NotFound(String),
}

/// A pool's custom attribute declarations.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttributeError {
    #[error("custom attribute {0} does not exist")]
    NotFound(String),
    /// Names are unique in a pool, whatever their letter case.
    #[error("a custom attribute with this name already exists in the pool")]
    NameTaken,
    #[error("users hold values of this custom attribute; clear them first")]
    InUse,
    #[error("a pool declares at most {0} custom attributes")]
    TooMany(usize),
    /// A user names an attribute its pool does not declare.
    #[error("the pool declares no custom attribute {0:?}")]
    Undeclared(String),
    /// A read-only value given again with another value.
    #[error("custom attribute {0} is read-only once set")]
    ReadOnly(String),
}

/// Who is calling, and what its key allows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    #[error("account {0} does not exist")]
    AccountNotFound(String),
    #[error("access key {0} does not exist")]
    KeyNotFound(String),
    #[error("the access key is inactive")]
    KeyInactive,
    #[error("this access key is bound to another user pool")]
    OtherPool,
    #[error("an access key bound to a user pool cannot create pools")]
    BoundKeyCreatesPool,
    #[error("an access key bound to a user pool cannot manage workload pools")]
    BoundKeyManagesWorkloads,
    /// The master key in hand does not open the store's secrets (named).
    #[error(
        "the master key does not open {0} in this store: it is not the key the store was set \
         up with (check IDPLANE_MASTER_KEY, or the master.key file of the data directory)"
    )]
    WrongMasterKey(String),
}

#[derive(Debug, Error)]
pub enum DomainError {
    /// A required input was absent.
    #[error("{} is missing", .field.label())]
    Missing { field: Field },
    /// An input had a value the domain does not accept; `message` says why without naming the
    /// field.
    #[error("invalid {}: {message}", .field.label())]
    Invalid { field: Field, message: String },
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    Department(#[from] DepartmentError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Attribute(#[from] AttributeError),
    #[error(transparent)]
    WorkloadPool(#[from] WorkloadPoolError),
    #[error(transparent)]
    WorkloadIdentity(#[from] WorkloadIdentityError),
    /// A record with the same identifier already exists.
    #[error("{0:?} with this id already exists")]
    IdTaken(Kind),
    /// Something broke below the domain. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn invalid(field: Field, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn missing(field: Field) -> Self {
        DomainError::Missing { field }
    }

    /// The "does not exist" reason of `kind`'s area.
    pub fn not_found(kind: Kind, id: impl Into<String>) -> Self {
        let id = id.into();
        match kind {
            Kind::Account => AccessError::AccountNotFound(id).into(),
            Kind::AccessKey => AccessError::KeyNotFound(id).into(),
            Kind::UserPool => PoolError::NotFound(id).into(),
            Kind::User => UserError::NotFound(id).into(),
            Kind::Group => GroupError::NotFound(id).into(),
            Kind::Department => DepartmentError::NotFound(id).into(),
            Kind::Client => ClientError::NotFound(id).into(),
            Kind::CustomAttribute => AttributeError::NotFound(id).into(),
            Kind::WorkloadPool => WorkloadPoolError::NotFound(id).into(),
            Kind::WorkloadIdentity => WorkloadIdentityError::NotFound(id).into(),
        }
    }

    /// Whether this is some area's "does not exist".
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            DomainError::User(UserError::NotFound(_))
                | DomainError::Group(GroupError::NotFound(_))
                | DomainError::Department(
                    DepartmentError::NotFound(_) | DepartmentError::ParentNotFound(_)
                )
                | DomainError::Pool(PoolError::NotFound(_))
                | DomainError::Client(ClientError::NotFound(_))
                | DomainError::Attribute(AttributeError::NotFound(_))
                | DomainError::WorkloadPool(WorkloadPoolError::NotFound(_))
                | DomainError::WorkloadIdentity(WorkloadIdentityError::NotFound(_))
                | DomainError::Access(
                    AccessError::AccountNotFound(_) | AccessError::KeyNotFound(_)
                )
        )
    }

    /// Whether a unique value (a name, an identifier) is taken.
    pub fn is_taken(&self) -> bool {
        matches!(
            self,
            DomainError::User(
                UserError::UsernameTaken | UserError::EmailTaken | UserError::PhoneTaken
            ) | DomainError::Group(GroupError::NameTaken)
                | DomainError::Department(DepartmentError::NameTaken)
                | DomainError::Pool(PoolError::NameTaken)
                | DomainError::Attribute(AttributeError::NameTaken)
                | DomainError::IdTaken(_)
        )
    }

    /// The input this failure is about, where it is about one.
    pub fn field(&self) -> Option<Field> {
        match self {
            DomainError::Missing { field } | DomainError::Invalid { field, .. } => Some(*field),
            DomainError::User(UserError::UsernameTaken) => Some(Field::Username),
            DomainError::User(UserError::EmailTaken) => Some(Field::Email),
            DomainError::User(UserError::PhoneTaken) => Some(Field::Phone),
            DomainError::User(UserError::NotFound(_)) => Some(Field::UserId),
            DomainError::Group(GroupError::NameTaken) => Some(Field::GroupName),
            DomainError::Department(DepartmentError::NameTaken) => Some(Field::DepartmentName),
            DomainError::Attribute(AttributeError::NameTaken) => Some(Field::AttributeName),
            DomainError::Attribute(AttributeError::Undeclared(_) | AttributeError::ReadOnly(_)) => {
                Some(Field::CustomAttributeName)
            }
            DomainError::Department(DepartmentError::ParentNotFound(_)) => {
                Some(Field::ParentDepartment)
            }
            _ => None,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        DomainError::Internal(detail.to_string())
    }
}
