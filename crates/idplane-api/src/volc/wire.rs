//! Wire shapes shared by several actions: pools, users, groups and departments as Volcengine
//! spells them, and the paging fields.

use idplane_core::model::custom_attribute::CustomAttribute;
use idplane_core::model::department::DepartmentView;
use idplane_core::model::endpoints::PoolEndpoints;
use idplane_core::model::group::Group;
use idplane_core::model::pool::{PoolView, Tag};
use idplane_core::model::user::User;
use idplane_core::query::{Paging, SortDirection};
use idplane_core::service::PoolDetails;
use serde::{Deserialize, Serialize};

use super::error::VolcError;
use crate::flex::{self, Int};

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct BrandWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagWire {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

impl From<Tag> for TagWire {
    fn from(t: Tag) -> Self {
        TagWire {
            key: t.key,
            value: t.value,
        }
    }
}

impl From<TagWire> for Tag {
    fn from(t: TagWire) -> Self {
        Tag {
            key: t.key,
            value: t.value,
        }
    }
}

/// A pool as GetUserPool, CreateUserPool and UpdateUserPool answer it.
/// A custom attribute as a pool declares it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeOut {
    pub uid: String,
    pub name: String,
    pub data_type: String,
    pub mutability: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
    pub create_time: String,
    pub update_time: String,
}

impl From<CustomAttribute> for AttributeOut {
    fn from(a: CustomAttribute) -> Self {
        Self {
            uid: a.uid.into_string(),
            name: a.name,
            data_type: a.data_type.as_str().to_owned(),
            mutability: a.mutability.as_str().to_owned(),
            minimum: a.minimum,
            maximum: a.maximum,
            create_time: a.created_at.to_iso_seconds(),
            update_time: a.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PoolOut {
    pub uid: String,
    pub trn: String,
    pub name: String,
    pub description: String,
    pub project_name: String,
    pub enabled: bool,
    pub domain: String,
    pub custom_domain: String,
    pub issuer_url: String,
    pub discovery_url: String,
    pub token_url: String,
    pub token_signing_key_url: String,
    pub oidc_login_callback_url: String,
    pub oidc_sign_up_callback_url: String,
    pub oauth_login_callback_url: String,
    pub oauth_sign_up_callback_url: String,
    pub saml_login_callback_url: String,
    pub saml_sign_up_callback_url: String,
    pub authentication_method_order: Vec<String>,
    pub brand: BrandWire,
    pub tags: Vec<TagWire>,
    pub password_sign_in_enabled: bool,
    pub self_sign_up_enabled: bool,
    pub self_account_recovery_enabled: bool,
    pub self_account_recovery_verification_attributes: Vec<String>,
    pub email_passwordless_sign_in_enabled: bool,
    pub sms_passwordless_sign_in_enabled: bool,
    pub email_anonymous_sign_up_enabled: bool,
    pub sms_anonymous_sign_up_enabled: bool,
    pub sign_up_auto_verification_enabled: bool,
    pub unconfirmed_user_sign_in_enabled: bool,
    pub sign_in_attributes: Vec<String>,
    pub required_sign_up_attributes: Vec<String>,
    pub custom_attributes: Vec<AttributeOut>,
    pub total_users: i64,
    pub total_clients: i64,
    pub total_connections: i64,
    pub create_time: String,
    pub update_time: String,
}

impl PoolOut {
    /// A pool with its custom attribute declarations (GetUserPool, UpdateUserPool).
    pub fn detailed(details: PoolDetails, public_url: &str) -> Self {
        let mut out = Self::new(details.view, public_url);
        out.custom_attributes = details.attributes.into_iter().map(Into::into).collect();
        out
    }

    pub fn new(view: PoolView, public_url: &str) -> Self {
        let p = view.pool;
        let s = p.settings;
        let endpoints = PoolEndpoints::new(public_url, p.uid.as_str());
        let issuer = endpoints.issuer;
        let domain = public_url
            .split_once("://")
            .map_or(public_url, |(_, rest)| rest)
            .to_owned();
        Self {
            trn: format!(
                "trn:id:{}:{}:userpool/{}",
                super::DEFAULT_REGION,
                p.account_id,
                p.uid
            ),
            uid: p.uid.into_string(),
            name: p.name,
            description: p.description,
            project_name: p.project_name,
            enabled: p.enabled,
            domain,
            custom_domain: String::new(),
            discovery_url: endpoints.discovery,
            token_url: endpoints.token,
            token_signing_key_url: endpoints.jwks,
            oidc_login_callback_url: format!("{issuer}/login/oidc/callback"),
            oidc_sign_up_callback_url: format!("{issuer}/signup/oidc/callback"),
            oauth_login_callback_url: format!("{issuer}/login/oauth/callback"),
            oauth_sign_up_callback_url: format!("{issuer}/signup/oauth/callback"),
            saml_login_callback_url: format!("{issuer}/login/saml/callback"),
            saml_sign_up_callback_url: format!("{issuer}/signup/saml/callback"),
            issuer_url: issuer,
            authentication_method_order: s.authentication_method_order,
            brand: BrandWire {
                name: s.brand.name,
                logo_uri: s.brand.logo_uri,
            },
            tags: s.tags.into_iter().map(Into::into).collect(),
            password_sign_in_enabled: s.password_sign_in_enabled,
            self_sign_up_enabled: s.self_sign_up_enabled,
            self_account_recovery_enabled: s.self_account_recovery_enabled,
            self_account_recovery_verification_attributes: s
                .self_account_recovery_verification_attributes,
            email_passwordless_sign_in_enabled: s.email_passwordless_sign_in_enabled,
            sms_passwordless_sign_in_enabled: s.sms_passwordless_sign_in_enabled,
            email_anonymous_sign_up_enabled: s.email_anonymous_sign_up_enabled,
            sms_anonymous_sign_up_enabled: s.sms_anonymous_sign_up_enabled,
            sign_up_auto_verification_enabled: s.sign_up_auto_verification_enabled,
            unconfirmed_user_sign_in_enabled: s.unconfirmed_user_sign_in_enabled,
            sign_in_attributes: s.sign_in_attributes,
            required_sign_up_attributes: s.required_sign_up_attributes,
            custom_attributes: Vec::new(),
            total_users: view.total_users,
            total_clients: view.total_clients,
            total_connections: view.total_connections,
            create_time: p.created_at.to_iso_seconds(),
            update_time: p.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

/// A user as every user-returning action answers it. Never carries the password hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserOut {
    pub uid: String,
    pub sub: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub nickname: Option<String>,
    pub gender: Option<String>,
    pub birthdate: Option<String>,
    pub locale: Option<String>,
    pub picture: Option<String>,
    pub profile: Option<String>,
    pub website: Option<String>,
    pub zoneinfo: Option<String>,
    pub user_metadata: Option<String>,
    pub custom_attributes: Vec<NameValue>,
    pub user_state: String,
    pub group_uids: Vec<String>,
    pub department_uids: Vec<String>,
    pub external_identities: Vec<serde_json::Value>,
    pub connection: String,
    pub latest_login: Option<String>,
    pub num_logins: i64,
    pub create_time: String,
    pub update_time: String,
}

/// Which attributes a list masks (`ResponseValueMask`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Mask {
    pub email: bool,
    pub phone_number: bool,
}

fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let keep: String = local.chars().take(1).collect();
            format!("{keep}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "****".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

impl UserOut {
    pub fn new(u: User) -> Self {
        Self::masked(u, Mask::default())
    }

    pub fn masked(u: User, mask: Mask) -> Self {
        let p = u.profile;
        Self {
            sub: u.uid.as_str().to_owned(),
            uid: u.uid.into_string(),
            preferred_username: p.preferred_username,
            email: if mask.email {
                p.email.as_deref().map(mask_email)
            } else {
                p.email
            },
            email_verified: p.email_verified,
            phone_number: if mask.phone_number {
                p.phone_number.as_deref().map(mask_phone)
            } else {
                p.phone_number
            },
            phone_number_verified: p.phone_number_verified,
            name: p.name,
            given_name: p.given_name,
            family_name: p.family_name,
            middle_name: p.middle_name,
            nickname: p.nickname,
            gender: p.gender,
            birthdate: p.birthdate,
            locale: p.locale,
            picture: p.picture,
            profile: p.profile,
            website: p.website,
            zoneinfo: p.zoneinfo,
            user_metadata: p.user_metadata,
            custom_attributes: p
                .custom_attributes
                .into_iter()
                .map(|(name, value)| NameValue { name, value })
                .collect(),
            user_state: u.state.as_str().to_owned(),
            group_uids: u.group_uids.into_iter().map(|g| g.into_string()).collect(),
            department_uids: u
                .department_uids
                .into_iter()
                .map(|d| d.into_string())
                .collect(),
            external_identities: Vec::new(),
            connection: "idplane".to_owned(),
            latest_login: u.latest_login.map(|t| t.to_iso_seconds()),
            num_logins: u.num_logins,
            create_time: u.created_at.to_iso_seconds(),
            update_time: u.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupOut {
    pub uid: String,
    pub user_pool_uid: String,
    pub name: String,
    pub description: String,
    pub precedence: i64,
    pub iam_role_trn: String,
    pub source: String,
    pub group_id_token_name: String,
    pub total_count_of_group_member: i64,
    pub create_time: String,
    pub update_time: String,
}

impl From<Group> for GroupOut {
    fn from(g: Group) -> Self {
        Self {
            group_id_token_name: g.name.clone(),
            uid: g.uid.into_string(),
            user_pool_uid: g.pool_uid.into_string(),
            name: g.name,
            description: g.description,
            precedence: g.precedence,
            iam_role_trn: g.iam_role_trn,
            source: g.source,
            total_count_of_group_member: g.member_count,
            create_time: g.created_at.to_iso_seconds(),
            update_time: g.updated_at.to_iso_seconds(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DepartmentOut {
    pub uid: String,
    pub user_pool_uid: String,
    pub parent_department_uid: String,
    pub name: String,
    pub description: String,
    #[serde(rename = "ExternalID")]
    pub external_id: String,
    pub source: String,
    pub precedence: i64,
    pub iam_role_trn: String,
    pub path: String,
    pub name_path: String,
    pub direct_children_count: i64,
    pub direct_member_count: i64,
    pub member_count: i64,
    pub create_time: String,
    pub update_time: String,
}

impl From<DepartmentView> for DepartmentOut {
    fn from(v: DepartmentView) -> Self {
        let d = v.department;
        Self {
            uid: d.uid.into_string(),
            user_pool_uid: d.pool_uid.into_string(),
            parent_department_uid: d.parent_uid.map(|p| p.into_string()).unwrap_or_default(),
            name: d.name,
            description: d.description,
            external_id: d.external_id,
            source: d.source,
            precedence: d.precedence,
            iam_role_trn: d.iam_role_trn,
            path: d.path,
            name_path: d.name_path,
            direct_children_count: v.direct_children,
            direct_member_count: v.direct_members,
            member_count: v.members,
            create_time: d.created_at.to_iso_seconds(),
            update_time: d.updated_at.to_iso_seconds(),
        }
    }
}

/// A page of results: `Data`, `TotalCount`, and the paging fields of the request's mode.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOut<T> {
    pub data: Vec<T>,
    pub total_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_number: Option<u32>,
    pub page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

impl<T> ListOut<T> {
    pub fn new<U>(
        page: idplane_core::query::Page<U>,
        paging: &Paging,
        f: impl FnMut(U) -> T,
    ) -> Self {
        let (page_number, page_size) = match paging {
            Paging::Page { number, size } => (Some(*number), *size),
            Paging::Cursor { limit, .. } | Paging::Offset { limit, .. } => (None, *limit),
        };
        Self {
            data: page.items.into_iter().map(f).collect(),
            total_count: page.total,
            page_number,
            page_size,
            next_token: page.next_token,
        }
    }
}

/// The default page size of every Volcengine list.
pub const DEFAULT_PAGE_SIZE: i64 = 10;

fn to_u32(field: &str, value: i64) -> Result<u32, VolcError> {
    u32::try_from(value).map_err(|_| VolcError::invalid(field, format!("{value} is out of range")))
}

/// Chooses page or cursor paging from the request's fields: `NextToken`/`MaxResults` select
/// cursor paging, otherwise `PageNumber` (default 1) and `PageSize` (default 10).
pub fn paging(
    page_number: Option<Int>,
    page_size: Option<Int>,
    next_token: Option<String>,
    max_results: Option<Int>,
) -> Result<Paging, VolcError> {
    let page_size = flex::get(page_size);
    let cursor_mode = next_token.as_deref().is_some_and(|t| !t.is_empty()) || max_results.is_some();
    if cursor_mode {
        let limit = flex::get(max_results)
            .or(page_size)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let limit = to_u32("MaxResults", limit)?;
        return Ok(Paging::cursor(next_token, limit)?);
    }
    let number = to_u32("PageNumber", flex::get(page_number).unwrap_or(1))?;
    let size = to_u32("PageSize", page_size.unwrap_or(DEFAULT_PAGE_SIZE))?;
    Ok(Paging::page(number, size)?)
}

/// `SortDirection`, default descending.
pub fn direction(value: Option<&str>) -> Result<SortDirection, VolcError> {
    match value {
        None | Some("") => Ok(SortDirection::Desc),
        Some(v) => Ok(SortDirection::parse(v)?),
    }
}

/// `SortOrder` of the lists that sort by `SortBy` (`ASC`/`DESC` in any case), default
/// descending.
pub fn sort_order(value: Option<&str>) -> Result<SortDirection, VolcError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("desc") => Ok(SortDirection::Desc),
        Some("asc") => Ok(SortDirection::Asc),
        Some(_) => Err(VolcError::invalid("SortOrder", "must be ASC or DESC")),
    }
}

/// The `PageNumber` and `PageSize` a page answers with.
pub fn page_numbers(paging: &Paging) -> (u32, u32) {
    match paging {
        Paging::Page { number, size } => (*number, *size),
        Paging::Cursor { limit, .. } | Paging::Offset { limit, .. } => (1, *limit),
    }
}

/// The answer of actions that only report success.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageOut {
    pub message: String,
}

impl MessageOut {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
