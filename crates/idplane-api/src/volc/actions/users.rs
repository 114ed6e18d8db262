//! CreateUser, CreateUsers, GetUser, UpdateUser, UpdateUsers, DeleteUsers, ListUsers.

use super::attribute_filter::CustomAttributeFilterIn;
use idplane_core::DomainError;
use idplane_core::identifiers;
use idplane_core::ids::{DepartmentUid, GroupUid, UserUid};
use idplane_core::model::user::{NewUser, UserPatch, UserProfile, UserState};
use idplane_core::query::{TextMatch, UserCondition, UserField, UserQuery, UserSort};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::flex::{self, Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::fields::wire as field_name;
use crate::volc::wire::{self, ListOut, Mask, UserOut};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeIn {
    name: String,
    #[serde(default)]
    value: String,
}

/// The profile fields every user-writing action accepts.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ProfileIn {
    preferred_username: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    middle_name: Option<String>,
    nickname: Option<String>,
    gender: Option<String>,
    birthdate: Option<String>,
    locale: Option<String>,
    picture: Option<String>,
    profile: Option<String>,
    website: Option<String>,
    zoneinfo: Option<String>,
    user_metadata: Option<String>,
    email_verified: Option<Bool>,
    phone_number_verified: Option<Bool>,
    custom_attributes_to_upsert: Option<Vec<AttributeIn>>,
    password: Option<String>,
}

fn attributes(list: Option<Vec<AttributeIn>>) -> Option<Vec<(String, String)>> {
    list.map(|l| l.into_iter().map(|a| (a.name, a.value)).collect())
}

impl ProfileIn {
    fn into_new(self) -> NewUser {
        NewUser {
            profile: UserProfile {
                preferred_username: self.preferred_username,
                email: self.email,
                phone_number: self.phone_number,
                name: self.name,
                given_name: self.given_name,
                family_name: self.family_name,
                middle_name: self.middle_name,
                nickname: self.nickname,
                gender: self.gender,
                birthdate: self.birthdate,
                locale: self.locale,
                picture: self.picture,
                profile: self.profile,
                website: self.website,
                zoneinfo: self.zoneinfo,
                user_metadata: self.user_metadata,
                description: None,
                email_verified: flex::get(self.email_verified).unwrap_or(false),
                phone_number_verified: flex::get(self.phone_number_verified).unwrap_or(false),
                custom_attributes: attributes(self.custom_attributes_to_upsert).unwrap_or_default(),
            },
            password: self.password,
            state: None,
            expiration_time: None,
            pwd_need_reset: false,
        }
    }

    fn into_patch(self, state: Option<String>) -> Result<UserPatch, DomainError> {
        Ok(UserPatch {
            preferred_username: self.preferred_username,
            email: self.email,
            phone_number: self.phone_number,
            name: self.name,
            given_name: self.given_name,
            family_name: self.family_name,
            middle_name: self.middle_name,
            nickname: self.nickname,
            gender: self.gender,
            birthdate: self.birthdate,
            locale: self.locale,
            picture: self.picture,
            profile: self.profile,
            website: self.website,
            zoneinfo: self.zoneinfo,
            user_metadata: self.user_metadata,
            description: None,
            email_verified: flex::get(self.email_verified),
            phone_number_verified: flex::get(self.phone_number_verified),
            custom_attributes: attributes(self.custom_attributes_to_upsert),
            password: self.password,
            state: state.map(|s| UserState::parse(&s)).transpose()?,
            expiration_time: None,
            pwd_need_reset: None,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_pool_uid: String,
    #[serde(flatten)]
    profile: ProfileIn,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<UserOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let user = ctx.dir.create_user(&pool, input.profile.into_new()).await?;
    Ok(UserOut::new(user))
}

/// The per-item outcome of a batch, as CreateUsers, UpdateUsers and DeleteUsers answer it.
#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct BatchOut {
    success_count: i64,
    failure_count: i64,
    successful_uids: Vec<String>,
    successful_uids_structured: Vec<SuccessItem>,
    errors: Vec<String>,
    errors_structured: Vec<ErrorItem>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct SuccessItem {
    index: i64,
    uid: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorItem {
    index: i64,
    field: String,
    error: String,
    error_type: String,
}

impl BatchOut {
    fn from_results(results: Vec<Result<String, DomainError>>) -> Self {
        let mut out = BatchOut::default();
        for (index, result) in (0i64..).zip(results) {
            match result {
                Ok(uid) => {
                    out.success_count += 1;
                    out.successful_uids.push(uid.clone());
                    out.successful_uids_structured
                        .push(SuccessItem { index, uid });
                }
                Err(e) => {
                    out.failure_count += 1;
                    let field = e.field().map(field_name).unwrap_or_default().to_owned();
                    let wire = VolcError::from(e);
                    out.errors
                        .push(format!("index {index}: {}", wire.message()));
                    out.errors_structured.push(ErrorItem {
                        index,
                        field,
                        error: wire.message(),
                        error_type: wire.code(),
                    });
                }
            }
        }
        out
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateManyIn {
    user_pool_uid: String,
    users: Vec<ProfileIn>,
}

pub async fn create_many(ctx: &Ctx<'_>, input: CreateManyIn) -> Result<BatchOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let news = input.users.into_iter().map(ProfileIn::into_new).collect();
    let results = ctx.dir.create_users(&pool, news).await?;
    Ok(BatchOut::from_results(
        results
            .into_iter()
            .map(|r| r.map(|u| u.uid.into_string()))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct MaskIn {
    email: Option<Bool>,
    phone_number: Option<Bool>,
}

impl MaskIn {
    fn mask(self) -> Mask {
        Mask {
            email: flex::get(self.email).unwrap_or(false),
            phone_number: flex::get(self.phone_number).unwrap_or(false),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetIn {
    user_pool_uid: String,
    user_uid: String,
    response_value_mask: Option<MaskIn>,
}

pub async fn get(ctx: &Ctx<'_>, input: GetIn) -> Result<UserOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let user = ctx
        .dir
        .get_user(&pool, &UserUid::parse(&input.user_uid)?)
        .await?;
    let mask = input.response_value_mask.unwrap_or_default().mask();
    Ok(UserOut::masked(user, mask))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    user_uid: String,
    user_state: Option<String>,
    #[serde(flatten)]
    profile: ProfileIn,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<UserOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let patch = input.profile.into_patch(input.user_state)?;
    let user = ctx
        .dir
        .update_user(&pool, &UserUid::parse(&input.user_uid)?, patch)
        .await?;
    Ok(UserOut::new(user))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateItemIn {
    user_uid: String,
    user_state: Option<String>,
    #[serde(flatten)]
    profile: ProfileIn,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateManyIn {
    user_pool_uid: String,
    users: Vec<UpdateItemIn>,
}

pub async fn update_many(ctx: &Ctx<'_>, input: UpdateManyIn) -> Result<BatchOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let mut changes = Vec::with_capacity(input.users.len());
    let mut early: Vec<Option<DomainError>> = Vec::with_capacity(input.users.len());
    for item in input.users {
        match item.profile.into_patch(item.user_state) {
            Ok(patch) => {
                changes.push((item.user_uid, patch));
                early.push(None);
            }
            Err(e) => early.push(Some(e)),
        }
    }
    let mut applied = ctx.dir.update_users(&pool, changes).await?.into_iter();
    let results = early
        .into_iter()
        .map(|e| match e {
            Some(e) => Err(e),
            None => applied
                .next()
                .unwrap_or_else(|| Err(DomainError::internal("batch results out of step")))
                .map(|u| u.uid.into_string()),
        })
        .collect();
    Ok(BatchOut::from_results(results))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteManyIn {
    user_pool_uid: String,
    user_uids: Vec<String>,
}

pub async fn delete_many(ctx: &Ctx<'_>, input: DeleteManyIn) -> Result<BatchOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let results = ctx.dir.delete_users(&pool, input.user_uids).await?;
    Ok(BatchOut::from_results(
        results
            .into_iter()
            .map(|r| r.map(UserUid::into_string))
            .collect(),
    ))
}

/// The Filter of ListUsers, ListUsersInGroup and ListUsersInDepartment.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct UserFilterIn {
    preferred_username: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    middle_name: Option<String>,
    nickname: Option<String>,
    gender: Option<String>,
    locale: Option<String>,
    website: Option<String>,
    preferred_username_is_null_or_empty: Option<Bool>,
    email_is_null_or_empty: Option<Bool>,
    phone_number_is_null_or_empty: Option<Bool>,
    name_is_null_or_empty: Option<Bool>,
    given_name_is_null_or_empty: Option<Bool>,
    family_name_is_null_or_empty: Option<Bool>,
    middle_name_is_null_or_empty: Option<Bool>,
    nickname_is_null_or_empty: Option<Bool>,
    gender_is_null_or_empty: Option<Bool>,
    website_is_null_or_empty: Option<Bool>,
    email_phone_name_is_null_or_empty: Option<Bool>,
    email_is_duplicated: Option<Bool>,
    phone_number_is_duplicated: Option<Bool>,
    user_uids_or: Option<Vec<String>>,
    group_uid: Option<String>,
    group_uids_or: Option<Vec<String>>,
    department_uid: Option<String>,
    department_uid_recursive: Option<Bool>,
    not_in_any_group: Option<Bool>,
    not_in_any_department: Option<Bool>,
    connection: Option<String>,
    custom_attribute_filter: Option<CustomAttributeFilterIn>,
    universal_search: Option<serde_json::Value>,
    latest_browser: Option<String>,
    latest_login_method: Option<String>,
    external_provider_user_identifiers_or: Option<Vec<String>>,
}

fn filter_list(field: &str, values: &[String]) -> Result<(), VolcError> {
    let max = idplane_core::service::users::MAX_BATCH;
    if values.len() > max {
        return Err(VolcError::invalid(
            &format!("Filter.{field}"),
            format!("at most {max} items, got {}", values.len()),
        ));
    }
    Ok(())
}

fn unsupported(field: &str) -> VolcError {
    VolcError::invalid(
        &format!("Filter.{field}"),
        format!("filtering by {field} is not supported by this server yet"),
    )
}

impl UserFilterIn {
    /// Takes `DepartmentUidRecursive` out when the action itself names the department.
    pub fn take_recursive(&mut self) -> bool {
        if self
            .department_uid
            .as_deref()
            .is_some_and(|d| !d.is_empty())
        {
            return false;
        }
        flex::get(self.department_uid_recursive.take()).unwrap_or(false)
    }

    /// The conditions this filter asks for.
    pub fn conditions(self) -> Result<Vec<UserCondition>, VolcError> {
        let mut c = Vec::new();
        let exact = [
            (UserField::Username, self.preferred_username),
            (UserField::Email, self.email),
            (UserField::Phone, self.phone_number),
        ];
        for (field, value) in exact {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                // Phone numbers are stored in E.164; the filter may be written with separators.
                let v = if field == UserField::Phone {
                    identifiers::phone_search_text(&v)
                } else {
                    v
                };
                c.push(UserCondition::Text {
                    field,
                    matches: TextMatch::Exact(v),
                });
            }
        }
        let contains = [
            (UserField::Name, self.name),
            (UserField::GivenName, self.given_name),
            (UserField::FamilyName, self.family_name),
            (UserField::MiddleName, self.middle_name),
            (UserField::Nickname, self.nickname),
            (UserField::Gender, self.gender),
            (UserField::Locale, self.locale),
            (UserField::Website, self.website),
        ];
        for (field, value) in contains {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                c.push(UserCondition::Text {
                    field,
                    matches: TextMatch::Contains(v),
                });
            }
        }
        let empties = [
            (
                UserField::Username,
                self.preferred_username_is_null_or_empty,
            ),
            (UserField::Email, self.email_is_null_or_empty),
            (UserField::Phone, self.phone_number_is_null_or_empty),
            (UserField::Name, self.name_is_null_or_empty),
            (UserField::GivenName, self.given_name_is_null_or_empty),
            (UserField::FamilyName, self.family_name_is_null_or_empty),
            (UserField::MiddleName, self.middle_name_is_null_or_empty),
            (UserField::Nickname, self.nickname_is_null_or_empty),
            (UserField::Gender, self.gender_is_null_or_empty),
            (UserField::Website, self.website_is_null_or_empty),
        ];
        for (field, value) in empties {
            if let Some(empty) = flex::get(value) {
                c.push(UserCondition::Empty { field, empty });
            }
        }
        if flex::get(self.email_phone_name_is_null_or_empty) == Some(true) {
            for field in [UserField::Email, UserField::Phone, UserField::Name] {
                c.push(UserCondition::Empty { field, empty: true });
            }
        }
        if flex::get(self.email_is_duplicated) == Some(true) {
            c.push(UserCondition::Duplicated(UserField::Email));
        }
        if flex::get(self.phone_number_is_duplicated) == Some(true) {
            c.push(UserCondition::Duplicated(UserField::Phone));
        }
        if let Some(uids) = self.user_uids_or.filter(|u| !u.is_empty()) {
            filter_list("UserUidsOr", &uids)?;
            let uids = uids
                .iter()
                .map(|u| UserUid::parse(u))
                .collect::<Result<_, _>>()
                .map_err(|_| VolcError::invalid("Filter.UserUidsOr", "malformed user uid"))?;
            c.push(UserCondition::UidIn(uids));
        }
        if let Some(g) = self.group_uid.filter(|g| !g.is_empty()) {
            let g = GroupUid::parse(&g)
                .map_err(|_| VolcError::invalid("Filter.GroupUid", "malformed group uid"))?;
            c.push(UserCondition::InGroup(g));
        }
        if let Some(gs) = self.group_uids_or.filter(|g| !g.is_empty()) {
            filter_list("GroupUidsOr", &gs)?;
            let gs = gs
                .iter()
                .map(|g| GroupUid::parse(g))
                .collect::<Result<_, _>>()
                .map_err(|_| VolcError::invalid("Filter.GroupUidsOr", "malformed group uid"))?;
            c.push(UserCondition::InAnyGroup(gs));
        }
        if let Some(d) = self.department_uid.filter(|d| !d.is_empty()) {
            let uid = DepartmentUid::parse(&d).map_err(|_| {
                VolcError::invalid("Filter.DepartmentUid", "malformed department uid")
            })?;
            c.push(UserCondition::InDepartment {
                uid,
                recursive: flex::get(self.department_uid_recursive).unwrap_or(false),
            });
        }
        if flex::get(self.not_in_any_group) == Some(true) {
            c.push(UserCondition::NotInAnyGroup);
        }
        if flex::get(self.not_in_any_department) == Some(true) {
            c.push(UserCondition::NotInAnyDepartment);
        }
        if self.connection.is_some_and(|v| !v.is_empty()) {
            return Err(unsupported("Connection"));
        }
        if let Some(filter) = self.custom_attribute_filter {
            c.push(UserCondition::AttributesAsked(filter.asked()?));
        }
        if self.universal_search.is_some() {
            return Err(unsupported("UniversalSearch"));
        }
        if self.latest_browser.is_some_and(|v| !v.is_empty()) {
            return Err(unsupported("LatestBrowser"));
        }
        if self.latest_login_method.is_some_and(|v| !v.is_empty()) {
            return Err(unsupported("LatestLoginMethod"));
        }
        if self
            .external_provider_user_identifiers_or
            .is_some_and(|v| !v.is_empty())
        {
            return Err(unsupported("ExternalProviderUserIdentifiersOr"));
        }
        Ok(c)
    }
}

/// `SortField` of the user lists; default `CreateTime`.
pub fn user_sort(field: Option<&str>, direction: Option<&str>) -> Result<UserSort, VolcError> {
    let field = match field {
        None | Some("") | Some("CreateTime") => UserField::CreateTime,
        Some("UpdateTime") => UserField::UpdateTime,
        Some("PreferredUsername") => UserField::Username,
        Some("Name") => UserField::Name,
        Some("Email") => UserField::Email,
        Some("PhoneNumber") => UserField::Phone,
        Some("Nickname") => UserField::Nickname,
        Some("LatestLogin") => UserField::LatestLogin,
        Some(other) => {
            return Err(VolcError::invalid(
                "SortField",
                format!(
                    "{other:?} is not one of CreateTime, UpdateTime, PreferredUsername, Name, Email, PhoneNumber, Nickname, LatestLogin"
                ),
            ));
        }
    };
    Ok(UserSort {
        field,
        direction: wire::direction(direction)?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    user_pool_uid: String,
    filter: Option<UserFilterIn>,
    page_number: Option<Int>,
    page_size: Option<Int>,
    next_token: Option<String>,
    max_results: Option<Int>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
    response_value_mask: Option<MaskIn>,
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut<UserOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(
        input.page_number,
        input.page_size,
        input.next_token,
        input.max_results,
    )?;
    let query = UserQuery {
        conditions: input.filter.unwrap_or_default().conditions()?,
        sort: user_sort(input.sort_field.as_deref(), input.sort_direction.as_deref())?,
        paging: paging.clone(),
    };
    let mask = input.response_value_mask.unwrap_or_default().mask();
    let page = ctx.dir.list_users(&pool, &query).await?;
    Ok(ListOut::new(page, &paging, |u| UserOut::masked(u, mask)))
}
