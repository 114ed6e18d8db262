//! CreateUserPool, GetUserPool, ListUserPools, UpdateUserPool, DeleteUserPool.

use idplane_core::ids::UserPoolUid;
use idplane_core::model::pool::{Brand, PoolSettings};
use idplane_core::query::{PoolFilter, PoolQuery, PoolSortField, TextMatch};
use idplane_core::service::pools::NewPool;
use serde::Deserialize;

use super::Ctx;
use crate::flex::{Bool, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::{self, BrandWire, ListOut, MessageOut, PoolOut, TagWire};

/// The settings fields shared by CreateUserPool and UpdateUserPool.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct SettingsIn {
    authentication_method_order: Option<Vec<String>>,
    brand: Option<BrandWire>,
    password_sign_in_enabled: Option<Bool>,
    self_sign_up_enabled: Option<Bool>,
    self_account_recovery_enabled: Option<Bool>,
    self_account_recovery_verification_attributes: Option<Vec<String>>,
    email_passwordless_sign_in_enabled: Option<Bool>,
    sms_passwordless_sign_in_enabled: Option<Bool>,
    email_anonymous_sign_up_enabled: Option<Bool>,
    sms_anonymous_sign_up_enabled: Option<Bool>,
    sign_up_auto_verification_enabled: Option<Bool>,
    unconfirmed_user_sign_in_enabled: Option<Bool>,
}

impl SettingsIn {
    fn apply(self, s: &mut PoolSettings) {
        fn set<T: Copy>(target: &mut T, v: Option<crate::flex::Flex<T>>) {
            if let Some(v) = v {
                *target = v.0;
            }
        }
        if let Some(v) = self.authentication_method_order {
            s.authentication_method_order = v;
        }
        if let Some(b) = self.brand {
            s.brand = Brand {
                name: b.name,
                logo_uri: b.logo_uri,
            };
        }
        set(
            &mut s.password_sign_in_enabled,
            self.password_sign_in_enabled,
        );
        set(&mut s.self_sign_up_enabled, self.self_sign_up_enabled);
        set(
            &mut s.self_account_recovery_enabled,
            self.self_account_recovery_enabled,
        );
        if let Some(v) = self.self_account_recovery_verification_attributes {
            s.self_account_recovery_verification_attributes = v;
        }
        set(
            &mut s.email_passwordless_sign_in_enabled,
            self.email_passwordless_sign_in_enabled,
        );
        set(
            &mut s.sms_passwordless_sign_in_enabled,
            self.sms_passwordless_sign_in_enabled,
        );
        set(
            &mut s.email_anonymous_sign_up_enabled,
            self.email_anonymous_sign_up_enabled,
        );
        set(
            &mut s.sms_anonymous_sign_up_enabled,
            self.sms_anonymous_sign_up_enabled,
        );
        set(
            &mut s.sign_up_auto_verification_enabled,
            self.sign_up_auto_verification_enabled,
        );
        set(
            &mut s.unconfirmed_user_sign_in_enabled,
            self.unconfirmed_user_sign_in_enabled,
        );
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    name: String,
    description: Option<String>,
    project_name: Option<String>,
    tags: Option<Vec<TagWire>>,
    sign_in_attributes: Option<Vec<String>>,
    required_sign_up_attributes: Option<Vec<String>>,
    #[serde(flatten)]
    settings: SettingsIn,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<PoolOut, VolcError> {
    let mut settings = PoolSettings::default();
    input.settings.apply(&mut settings);
    if let Some(v) = input.sign_in_attributes {
        settings.sign_in_attributes = v;
    }
    if let Some(v) = input.required_sign_up_attributes {
        settings.required_sign_up_attributes = v;
    }
    if let Some(tags) = input.tags {
        settings.tags = tags.into_iter().map(Into::into).collect();
    }
    let new = NewPool {
        name: input.name,
        description: input.description.unwrap_or_default(),
        project_name: input.project_name.unwrap_or_default(),
        settings,
    };
    let view = ctx.dir.create_pool(ctx.caller, new).await?;
    Ok(PoolOut::new(view, ctx.public_url))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UidIn {
    user_pool_uid: String,
}

pub async fn get(ctx: &Ctx<'_>, input: UidIn) -> Result<PoolOut, VolcError> {
    let view = ctx
        .dir
        .get_pool(ctx.caller, &UserPoolUid::parse(&input.user_pool_uid)?)
        .await?;
    Ok(PoolOut::detailed(view, ctx.public_url))
}

pub async fn delete(ctx: &Ctx<'_>, input: UidIn) -> Result<MessageOut, VolcError> {
    ctx.dir
        .delete_pool(ctx.caller, &UserPoolUid::parse(&input.user_pool_uid)?)
        .await?;
    Ok(MessageOut::new("User pool deleted successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    name: Option<String>,
    description: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<PoolOut, VolcError> {
    let view = ctx
        .dir
        .update_pool(
            ctx.caller,
            &UserPoolUid::parse(&input.user_pool_uid)?,
            |pool| {
                if let Some(n) = input.name {
                    pool.name = n;
                }
                if let Some(d) = input.description {
                    pool.description = d;
                }
                input.settings.apply(&mut pool.settings);
            },
        )
        .await?;
    Ok(PoolOut::detailed(view, ctx.public_url))
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct ListFilter {
    name: Option<String>,
    description: Option<String>,
    uid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    page_number: Int,
    page_size: Int,
    filter: Option<ListFilter>,
    project_name: Option<String>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
}

fn sort_field(value: Option<&str>) -> Result<PoolSortField, VolcError> {
    match value {
        None | Some("") | Some("CreateTime") => Ok(PoolSortField::CreateTime),
        Some("UpdateTime") => Ok(PoolSortField::UpdateTime),
        Some("Name") => Ok(PoolSortField::Name),
        Some(other) => Err(VolcError::invalid(
            "SortField",
            format!("{other:?} is not one of CreateTime, UpdateTime, Name"),
        )),
    }
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut<PoolOut>, VolcError> {
    let paging = wire::paging(Some(input.page_number), Some(input.page_size), None, None)?;
    let f = input.filter.unwrap_or_default();
    let query = PoolQuery {
        filter: PoolFilter {
            name: f.name.filter(|n| !n.is_empty()).map(TextMatch::Exact),
            description: f.description.filter(|d| !d.is_empty()),
            uid: f.uid.filter(|u| !u.is_empty()),
            project_name: input.project_name.filter(|p| !p.is_empty()),
        },
        sort: (
            sort_field(input.sort_field.as_deref())?,
            wire::direction(input.sort_direction.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let page = ctx.dir.list_pools(ctx.caller, query).await?;
    Ok(ListOut::new(page, &paging, |v| {
        PoolOut::new(v, ctx.public_url)
    }))
}
