//! Search criteria, sorting and paging as plain data, for the store to turn into indexed queries.

use crate::fields::Field;
use std::ops::Bound;

use crate::attribute_filter::{AskedTerm, AttributeFilter, AttributeTest};
use crate::clock::Timestamp;
use crate::error::DomainError;
use crate::ids::{DepartmentUid, GroupUid, UserUid};
use crate::model::client::ClientType;
use crate::model::user::UserState;

/// The largest page any list returns.
pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

impl SortDirection {
    /// Accepts `Asc`/`Desc` in any case.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        match value.to_ascii_lowercase().as_str() {
            "asc" => Ok(SortDirection::Asc),
            "desc" => Ok(SortDirection::Desc),
            _ => Err(DomainError::invalid(
                Field::SortDirection,
                format!("{value:?} is not Asc or Desc"),
            )),
        }
    }
}

/// How a list is cut into pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// 1-based page number and page size.
    Page { number: u32, size: u32 },
    /// Keyset paging: an opaque token from the previous page (none for the first) and a page size.
    Cursor { token: Option<String>, limit: u32 },
    /// Offset paging.
    Offset { offset: u64, limit: u32 },
}

impl Paging {
    pub fn page(number: u32, size: u32) -> Result<Self, DomainError> {
        if number < 1 {
            return Err(DomainError::invalid(
                Field::PageNumber,
                "pages are numbered from 1",
            ));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(DomainError::invalid(
                Field::PageSize,
                format!("PageSize must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(Paging::Page { number, size })
    }

    pub fn cursor(token: Option<String>, limit: u32) -> Result<Self, DomainError> {
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(DomainError::invalid(
                Field::MaxResults,
                format!("MaxResults must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        Ok(Paging::Cursor {
            token: token.filter(|t| !t.is_empty()),
            limit,
        })
    }

    /// Rows to skip and rows to take.
    pub fn offset_limit(&self) -> (u64, u32) {
        match self {
            Paging::Page { number, size } => (u64::from(number - 1) * u64::from(*size), *size),
            Paging::Cursor { limit, .. } => (0, *limit),
            Paging::Offset { offset, limit } => (*offset, *limit),
        }
    }
}

/// One page of a list, with the count of every match.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    /// The token for the next page in cursor paging; `None` on the last page.
    pub next_token: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_token: self.next_token,
        }
    }
}

/// How a text attribute is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    Exact(String),
    Prefix(String),
    Contains(String),
}

impl TextMatch {
    /// The Volcengine `NameMatchMode`: 0 exact, 1 prefix, 2 contains.
    pub fn from_mode(value: String, mode: Option<i64>) -> Result<Self, DomainError> {
        match mode.unwrap_or(0) {
            0 => Ok(TextMatch::Exact(value)),
            1 => Ok(TextMatch::Prefix(value)),
            2 => Ok(TextMatch::Contains(value)),
            other => Err(DomainError::invalid(
                Field::NameMatchMode,
                format!("{other} is not 0 (exact), 1 (prefix) or 2 (contains)"),
            )),
        }
    }
}

/// The attributes of a user that can be searched and sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserField {
    Uid,
    Username,
    Email,
    Phone,
    Name,
    GivenName,
    FamilyName,
    MiddleName,
    Nickname,
    Gender,
    Locale,
    Website,
    /// The name shown for a user: `Name`, else the username.
    DisplayName,
    State,
    CreateTime,
    UpdateTime,
    LatestLogin,
}

/// A bound value in a range condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeValue {
    Text(String),
    Time(Timestamp),
}

/// One condition on users; a query's conditions all hold at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCondition {
    Text {
        field: UserField,
        matches: TextMatch,
    },
    /// The attribute is (or is not) null or empty.
    Empty {
        field: UserField,
        empty: bool,
    },
    Range {
        field: UserField,
        low: Bound<RangeValue>,
        high: Bound<RangeValue>,
    },
    StateIn(Vec<UserState>),
    UidIn(Vec<UserUid>),
    /// Case-insensitive substring of the username or the uid.
    Keyword(String),
    InGroup(GroupUid),
    InAnyGroup(Vec<GroupUid>),
    NotInAnyGroup,
    InDepartment {
        uid: DepartmentUid,
        recursive: bool,
    },
    NotInAnyDepartment,
    /// The attribute's value is shared with another user of the pool.
    Duplicated(UserField),
    /// Custom attribute values as a request asks them; the directory resolves these into
    /// [`UserCondition::Attributes`] before a search reaches the store.
    AttributesAsked(AttributeFilter<AskedTerm>),
    /// Custom attribute values, each term typed by its declaration.
    Attributes(AttributeFilter<AttributeTest>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserSort {
    pub field: UserField,
    pub direction: SortDirection,
}

#[derive(Debug, Clone)]
pub struct UserQuery {
    pub conditions: Vec<UserCondition>,
    pub sort: UserSort,
    pub paging: Paging,
}

/// What groups may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSortField {
    Uid,
    Name,
    CreateTime,
    UpdateTime,
    Precedence,
}

#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub name: Option<TextMatch>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub uids: Option<Vec<GroupUid>>,
    /// Only groups this user belongs to.
    pub member: Option<UserUid>,
}

#[derive(Debug, Clone)]
pub struct GroupQuery {
    pub filter: GroupFilter,
    pub sort: (GroupSortField, SortDirection),
    pub paging: Paging,
}

/// What departments may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartmentSortField {
    Name,
    CreateTime,
    UpdateTime,
    Precedence,
}

#[derive(Debug, Clone, Default)]
pub struct DepartmentFilter {
    pub parent: Option<DepartmentUid>,
    pub uid: Option<DepartmentUid>,
    pub name: Option<TextMatch>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DepartmentQuery {
    pub filter: DepartmentFilter,
    pub sort: (DepartmentSortField, SortDirection),
    pub paging: Paging,
}

/// What workload pools may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadPoolSortField {
    Name,
    CreatedAt,
    UpdatedAt,
}

/// Pools having a tag `key` with one of `values` (any value when `values` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkloadPoolFilter {
    pub name: Option<TextMatch>,
    pub id: Option<String>,
    pub project_name: Option<String>,
    /// Every filter must hold.
    pub tags: Vec<TagFilter>,
}

#[derive(Debug, Clone)]
pub struct WorkloadPoolQuery {
    pub filter: WorkloadPoolFilter,
    pub sort: (WorkloadPoolSortField, SortDirection),
    pub paging: Paging,
}

/// What workload identities may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadIdentitySortField {
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct WorkloadIdentityFilter {
    pub name: Option<TextMatch>,
    pub category: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct WorkloadIdentityQuery {
    pub filter: WorkloadIdentityFilter,
    pub sort: (WorkloadIdentitySortField, SortDirection),
    pub paging: Paging,
}

/// What pools may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSortField {
    Name,
    CreateTime,
    UpdateTime,
}

#[derive(Debug, Clone, Default)]
pub struct PoolFilter {
    pub name: Option<TextMatch>,
    pub description: Option<String>,
    pub uid: Option<String>,
    pub project_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PoolQuery {
    pub filter: PoolFilter,
    pub sort: (PoolSortField, SortDirection),
    pub paging: Paging,
}

/// What clients may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientSortField {
    Name,
    CreateTime,
    UpdateTime,
}

#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub name: Option<TextMatch>,
    /// Case-insensitive substring of the description.
    pub description: Option<String>,
    /// Only clients of one of these types; empty means any type.
    pub client_types: Vec<ClientType>,
}

#[derive(Debug, Clone)]
pub struct ClientQuery {
    pub filter: ClientFilter,
    pub sort: (ClientSortField, SortDirection),
    pub paging: Paging,
}
