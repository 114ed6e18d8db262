//! CreateUser, DescribeUserInfo, ModifyUserInfo, DeleteUser, DeleteUsers, ListUsers, and the
//! user shapes and search conditions the other EIAM lists share.

use std::collections::HashMap;

use idplane_core::DomainError;
use idplane_core::error::Kind;
use idplane_core::identifiers;
use idplane_core::ids::{DepartmentUid, GroupUid, UserUid};
use idplane_core::model::department::DepartmentRef;
use idplane_core::model::user::{
    self, NewUser, User, UserPatch, UserProfile, UserState, UserSummary,
};
use idplane_core::query::{Page, TextMatch, UserCondition, UserField, UserQuery};
use idplane_core::service::users::PlacementEdit;
use idplane_criteria::{ErrorKind, SearchCriteria, eiam_status, parse_criteria};
use serde::{Deserialize, Serialize};

use super::{Ctx, Failure};
use crate::flex::{self, Bool, Int};
use crate::tencent::error::TcError;
use crate::tencent::wire::{self, SortIn};

/// `UserSearchCriteria` (and `ListUsersInOrgNodeSearchCriteria`).
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SearchIn {
    user_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    status: Option<String>,
    creation_time: Option<String>,
    last_update_time: Option<String>,
    keyword: Option<String>,
}

impl SearchIn {
    pub fn conditions(self) -> Result<Vec<UserCondition>, Failure> {
        let criteria = SearchCriteria {
            user_name: self.user_name,
            phone: self.phone,
            email: self.email,
            status: self.status,
            creation_time: self.creation_time,
            last_update_time: self.last_update_time,
            keyword: self.keyword,
        };
        let conditions = parse_criteria(&criteria).map_err(|e| match e.kind {
            ErrorKind::Syntax => TcError::SearchCriteriaIllegal(e.to_string()),
            ErrorKind::TimeFormat => TcError::TimeFormatIllegal(e.to_string()),
        })?;
        Ok(conditions.into_iter().map(phone_as_stored).collect())
    }
}

/// Phone numbers are stored in E.164: a condition on them compares the digits, whatever
/// separators the value was written with (`+86-138*` finds `+86138…`).
fn phone_as_stored(condition: UserCondition) -> UserCondition {
    let UserCondition::Text {
        field: UserField::Phone,
        matches,
    } = condition
    else {
        return condition;
    };
    let matches = match matches {
        TextMatch::Exact(v) => TextMatch::Exact(identifiers::phone_search_text(&v)),
        TextMatch::Prefix(v) => TextMatch::Prefix(identifiers::phone_search_text(&v)),
        TextMatch::Contains(v) => TextMatch::Contains(identifiers::phone_search_text(&v)),
    };
    UserCondition::Text {
        field: UserField::Phone,
        matches,
    }
}

/// The sort keys of ListUsersInUserGroup and ListUsersInOrgNode.
pub const MEMBER_SORT_KEYS: &[(&str, UserField)] = &[
    ("UserName", UserField::Username),
    ("DisplayName", UserField::DisplayName),
    ("Phone", UserField::Phone),
    ("Email", UserField::Email),
    ("Status", UserField::State),
    ("CreatedDate", UserField::CreateTime),
    ("LastModifiedDate", UserField::UpdateTime),
];

const LIST_SORT_KEYS: &[(&str, UserField)] = &[
    ("UserName", UserField::Username),
    ("DisplayName", UserField::DisplayName),
    ("Phone", UserField::Phone),
    ("Email", UserField::Email),
    ("Status", UserField::State),
    ("CreationTime", UserField::CreateTime),
    ("LastUpdateTime", UserField::UpdateTime),
    ("LastLoginTime", UserField::LatestLogin),
];

pub fn display_name(u: &User) -> String {
    user::display_name(&u.profile.name, &u.profile.preferred_username)
}

/// `UserInfo`: a member as the member lists answer it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserInfoOut {
    user_id: String,
    display_name: String,
    user_name: String,
    phone: String,
    email: String,
    status: String,
    data_source: String,
}

impl From<UserSummary> for UserInfoOut {
    fn from(u: UserSummary) -> Self {
        Self {
            display_name: user::display_name(&u.name, &u.preferred_username),
            status: eiam_status(u.state).to_owned(),
            user_id: u.uid.into_string(),
            user_name: u.preferred_username.unwrap_or_default(),
            phone: u
                .phone_number
                .as_deref()
                .map(identifiers::dashed_phone)
                .unwrap_or_default(),
            email: u.email.unwrap_or_default(),
            data_source: u.data_source,
        }
    }
}

/// The user group ids of a request.
fn group_uids(ids: &[String]) -> Result<Vec<GroupUid>, DomainError> {
    ids.iter().map(|g| GroupUid::parse(g)).collect()
}

/// Finds a user by id, else by user name.
pub async fn find_user(
    ctx: &Ctx<'_>,
    user_id: Option<&str>,
    user_name: Option<&str>,
) -> Result<User, Failure> {
    if let Some(id) = user_id.filter(|i| !i.is_empty()) {
        return Ok(ctx.dir.get_user(ctx.access, &UserUid::parse(id)?).await?);
    }
    let Some(name) = user_name.filter(|n| !n.is_empty()) else {
        return Err(TcError::MissingParameter(
            "The required parameter UserId or UserName is missing.".to_owned(),
        )
        .into());
    };
    // A user name as stored (RFC 8265 width mapping): `ＡＬＩＣＥ` finds `ALICE`.
    let name = identifiers::username(name).unwrap_or_else(|_| name.to_owned());
    let query = UserQuery {
        conditions: vec![UserCondition::Text {
            field: UserField::Username,
            matches: TextMatch::Exact(name.clone()),
        }],
        sort: wire::user_sort(None, LIST_SORT_KEYS)?,
        paging: idplane_core::query::Paging::Offset {
            offset: 0,
            limit: 1,
        },
    };
    let page = ctx.dir.list_users(ctx.access, &query).await?;
    page.items
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Domain(DomainError::not_found(Kind::User, format!("{name:?}"))))
}

fn expiration(text: Option<&str>) -> Result<Option<idplane_core::clock::Timestamp>, TcError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => idplane_criteria::parse_time(t).map(Some).ok_or_else(|| {
            TcError::InvalidParameterValue(format!(
                "ExpirationTime {t:?} is not an ISO 8601 time such as 2021-01-13T09:44:07.182+0000."
            ))
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_name: String,
    password: String,
    display_name: Option<String>,
    description: Option<String>,
    user_group_ids: Option<Vec<String>>,
    phone: Option<String>,
    email: Option<String>,
    org_node_id: Option<String>,
    secondary_org_node_id_list: Option<Vec<String>>,
    expiration_time: Option<String>,
    pwd_need_reset: Option<Bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOut {
    user_id: String,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<CreateOut, Failure> {
    if input.user_name.chars().count() > 64 {
        return Err(TcError::InvalidParameterValue(
            "UserName is at most 64 characters.".to_owned(),
        )
        .into());
    }
    let groups = input.user_group_ids.unwrap_or_default();
    super::batch("UserGroupIds", &groups)?;
    let groups = group_uids(&groups)?;
    let secondary = input.secondary_org_node_id_list.unwrap_or_default();
    super::batch("SecondaryOrgNodeIdList", &secondary)?;
    // The primary department first: the one named, else the root.
    let mut departments = vec![
        match input.org_node_id.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => DepartmentRef::parse(p)?,
            None => DepartmentRef::Root,
        },
    ];
    for d in secondary.iter().filter(|d| !d.is_empty()) {
        departments.push(DepartmentRef::parse(d)?);
    }
    let new = NewUser {
        profile: UserProfile {
            preferred_username: Some(input.user_name),
            name: input.display_name,
            description: input.description,
            phone_number: input.phone,
            email: input.email,
            ..UserProfile::default()
        },
        password: Some(input.password),
        state: Some(UserState::Confirmed),
        expiration_time: expiration(input.expiration_time.as_deref())?,
        pwd_need_reset: flex::get(input.pwd_need_reset).unwrap_or(false),
    };
    let user = ctx
        .dir
        .create_placed_user(ctx.access, new, &departments, &groups)
        .await?;
    Ok(CreateOut {
        user_id: user.uid.into_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WhoIn {
    user_name: Option<String>,
    user_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOut {
    user_id: String,
    user_name: String,
    display_name: String,
    description: String,
    status: String,
    email: String,
    phone: String,
    user_group_ids: Vec<String>,
    org_node_id: String,
    secondary_org_node_id_list: Vec<String>,
    data_source: String,
    expiration_time: String,
    activation_time: String,
    pwd_need_reset: bool,
    admin_flag: i64,
}

async fn primary_department(ctx: &Ctx<'_>, u: &User) -> Result<(String, Vec<String>), Failure> {
    let views = ctx.dir.departments_for_user(ctx.access, &u.uid).await?;
    let mut ids = views
        .into_iter()
        .map(|m| m.view.department.uid.into_string());
    let primary = match ids.next() {
        Some(p) => p,
        None => ctx
            .dir
            .get_department(ctx.access, &DepartmentRef::Root)
            .await?
            .department
            .uid
            .into_string(),
    };
    Ok((primary, ids.collect()))
}

pub async fn describe(ctx: &Ctx<'_>, input: WhoIn) -> Result<DescribeOut, Failure> {
    let u = find_user(ctx, input.user_id.as_deref(), input.user_name.as_deref()).await?;
    let (org_node_id, secondary) = primary_department(ctx, &u).await?;
    Ok(DescribeOut {
        display_name: display_name(&u),
        status: eiam_status(u.state).to_owned(),
        user_id: u.uid.into_string(),
        user_name: u.profile.preferred_username.unwrap_or_default(),
        description: u.profile.description.unwrap_or_default(),
        email: u.profile.email.unwrap_or_default(),
        phone: u
            .profile
            .phone_number
            .as_deref()
            .map(identifiers::dashed_phone)
            .unwrap_or_default(),
        user_group_ids: u.group_uids.into_iter().map(|g| g.into_string()).collect(),
        org_node_id,
        secondary_org_node_id_list: secondary,
        data_source: u.data_source,
        expiration_time: u.expiration_time.map(wire::time).unwrap_or_default(),
        activation_time: wire::time(u.created_at),
        pwd_need_reset: u.pwd_need_reset,
        admin_flag: 0,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyIn {
    user_id: Option<String>,
    user_name: Option<String>,
    display_name: Option<String>,
    description: Option<String>,
    user_group_ids: Option<Vec<String>>,
    phone: Option<String>,
    email: Option<String>,
    password: Option<String>,
    expiration_time: Option<String>,
    pwd_need_reset: Option<Bool>,
    org_node_id: Option<String>,
    secondary_org_node_id_list: Option<Vec<String>>,
}

#[derive(Debug, Serialize, Default)]
pub struct Empty {}

pub async fn modify(ctx: &Ctx<'_>, input: ModifyIn) -> Result<Empty, Failure> {
    let by_id = input.user_id.as_deref().is_some_and(|i| !i.is_empty());
    let user = find_user(ctx, input.user_id.as_deref(), input.user_name.as_deref()).await?;
    let groups = match &input.user_group_ids {
        Some(groups) => {
            super::batch("UserGroupIds", groups)?;
            Some(group_uids(groups)?)
        }
        None => None,
    };
    let secondary = match &input.secondary_org_node_id_list {
        Some(list) => {
            super::batch("SecondaryOrgNodeIdList", list)?;
            Some(
                list.iter()
                    .map(|d| DepartmentRef::parse(d))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
        None => None,
    };
    let primary = match input.org_node_id.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(DepartmentRef::parse(p)?),
        None => None,
    };
    let patch = UserPatch {
        preferred_username: if by_id { input.user_name } else { None },
        name: input.display_name,
        description: input.description,
        phone_number: input.phone,
        email: input.email,
        password: input.password.filter(|p| !p.is_empty()),
        expiration_time: match input.expiration_time {
            Some(t) => Some(expiration(Some(&t))?),
            None => None,
        },
        pwd_need_reset: flex::get(input.pwd_need_reset),
        ..UserPatch::default()
    };
    let edit = PlacementEdit {
        primary,
        secondary,
        groups,
    };
    ctx.dir
        .update_placed_user(ctx.access, &user.uid, patch, edit)
        .await?;
    Ok(Empty {})
}

pub async fn delete(ctx: &Ctx<'_>, input: WhoIn) -> Result<Empty, Failure> {
    let user = find_user(ctx, input.user_id.as_deref(), input.user_name.as_deref()).await?;
    let results = ctx
        .dir
        .delete_users(ctx.access, vec![user.uid.into_string()])
        .await?;
    for r in results {
        r?;
    }
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteManyIn {
    delete_id_list: Option<Vec<String>>,
    delete_name_list: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailedItemsOut {
    pub failed_items: Vec<String>,
}

pub async fn delete_many(ctx: &Ctx<'_>, input: DeleteManyIn) -> Result<FailedItemsOut, Failure> {
    let ids = input.delete_id_list.unwrap_or_default();
    let names = input.delete_name_list.unwrap_or_default();
    super::batch("DeleteIdList", &ids)?;
    super::batch("DeleteNameList", &names)?;
    if ids.is_empty() && names.is_empty() {
        return Err(TcError::MissingParameter(
            "The required parameter DeleteIdList or DeleteNameList is missing.".to_owned(),
        )
        .into());
    }
    let mut failed = Vec::new();
    for (id, name) in ids
        .iter()
        .map(|i| (Some(i.as_str()), None))
        .chain(names.iter().map(|n| (None, Some(n.as_str()))))
    {
        let item = id.or(name).unwrap_or_default().to_owned();
        match find_user(ctx, id, name).await {
            Ok(u) => match ctx
                .dir
                .delete_users(ctx.access, vec![u.uid.into_string()])
                .await
            {
                Ok(results) if results.iter().all(Result::is_ok) => {}
                _ => failed.push(item),
            },
            Err(_) => failed.push(item),
        }
    }
    Ok(FailedItemsOut {
        failed_items: failed,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    search_condition: Option<SearchIn>,
    expected_fields: Option<Vec<String>>,
    sort: Option<SortIn>,
    offset: Option<Int>,
    limit: Option<Int>,
    include_total: Option<Bool>,
}

const EXPECTED_FIELDS: &[&str] = &[
    "UserId",
    "DisplayName",
    "UserName",
    "Phone",
    "Email",
    "Status",
    "SubjectGroups",
    "OrgPath",
    "Description",
    "CreationTime",
    "LastUpdateTime",
    "LastLoginTime",
];

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOut {
    user_list: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<i64>,
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut, Failure> {
    let fields: Vec<String> = match input.expected_fields.filter(|f| !f.is_empty()) {
        Some(f) => {
            if let Some(bad) = f.iter().find(|x| !EXPECTED_FIELDS.contains(&x.as_str())) {
                return Err(TcError::ExpectFieldsNotFound(format!(
                    "ExpectedFields names an unknown attribute {bad:?}."
                ))
                .into());
            }
            f
        }
        None => EXPECTED_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
    };
    let query = UserQuery {
        conditions: input.search_condition.unwrap_or_default().conditions()?,
        sort: wire::user_sort(input.sort, LIST_SORT_KEYS)?,
        paging: wire::paging(input.offset, input.limit, 1000)?,
    };
    let page: Page<User> = ctx.dir.list_users(ctx.access, &query).await?;
    let total = page.total;
    let mut paths: HashMap<DepartmentUid, String> = HashMap::new();
    let mut out = Vec::with_capacity(page.items.len());
    for u in page.items {
        let org_path = match u.department_uids.first() {
            Some(d) if fields.iter().any(|f| f == "OrgPath") => match paths.get(d) {
                Some(p) => p.clone(),
                None => {
                    let p = ctx
                        .dir
                        .get_department(ctx.access, &d.clone().into())
                        .await?
                        .department
                        .name_path;
                    paths.insert(d.clone(), p.clone());
                    p
                }
            },
            _ => String::new(),
        };
        out.push(information(u, &fields, org_path));
    }
    Ok(ListOut {
        user_list: out,
        total_count: flex::get(input.include_total)
            .unwrap_or(false)
            .then_some(total),
    })
}

/// `UserInformation` limited to the expected fields.
fn information(
    u: User,
    fields: &[String],
    org_path: String,
) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::json;
    let mut all = serde_json::Map::new();
    all.insert("UserId".into(), json!(u.uid.as_str()));
    all.insert("DisplayName".into(), json!(display_name(&u)));
    all.insert(
        "UserName".into(),
        json!(u.profile.preferred_username.clone().unwrap_or_default()),
    );
    all.insert(
        "Phone".into(),
        json!(
            u.profile
                .phone_number
                .as_deref()
                .map(identifiers::dashed_phone)
                .unwrap_or_default()
        ),
    );
    all.insert(
        "Email".into(),
        json!(u.profile.email.clone().unwrap_or_default()),
    );
    all.insert("Status".into(), json!(eiam_status(u.state)));
    all.insert(
        "SubjectGroups".into(),
        json!(u.group_uids.iter().map(|g| g.as_str()).collect::<Vec<_>>()),
    );
    all.insert("OrgPath".into(), json!(org_path));
    all.insert(
        "Description".into(),
        json!(u.profile.description.clone().unwrap_or_default()),
    );
    all.insert("CreationTime".into(), json!(wire::time(u.created_at)));
    all.insert("LastUpdateTime".into(), json!(wire::time(u.updated_at)));
    all.insert(
        "LastLoginTime".into(),
        json!(u.latest_login.map(wire::time).unwrap_or_default()),
    );
    all.into_iter()
        .filter(|(k, _)| fields.contains(k))
        .collect()
}

/// A page of members as `UserInfo`.
pub fn user_infos(page: Page<UserSummary>) -> (Vec<UserInfoOut>, i64) {
    let total = page.total;
    (
        page.items.into_iter().map(UserInfoOut::from).collect(),
        total,
    )
}
