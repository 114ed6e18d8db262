//! CreateUserPoolCustomAttribute, UpdateUserPoolCustomAttribute,
//! DeleteUserPoolCustomAttribute.

use idplane_core::ids::CustomAttributeUid;
use idplane_core::model::custom_attribute::{AttributeType, Mutability};
use idplane_core::service::custom_attributes::{AttributePatch, NewAttribute};
use serde::Deserialize;

use super::Ctx;
use crate::flex::{self, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::{AttributeOut, MessageOut};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_pool_uid: String,
    name: String,
    data_type: String,
    mutability: String,
    minimum: Option<Int>,
    maximum: Option<Int>,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<AttributeOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let new = NewAttribute {
        name: input.name,
        data_type: AttributeType::parse(&input.data_type)?,
        mutability: Mutability::parse(&input.mutability)?,
        minimum: flex::get(input.minimum),
        maximum: flex::get(input.maximum),
    };
    Ok(ctx.dir.create_attribute(&pool, new).await?.into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    uid: String,
    name: Option<String>,
    mutability: Option<String>,
    minimum: Option<Int>,
    maximum: Option<Int>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<AttributeOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let patch = AttributePatch {
        name: input.name,
        mutability: input
            .mutability
            .filter(|m| !m.is_empty())
            .map(|m| Mutability::parse(&m))
            .transpose()?,
        minimum: flex::get(input.minimum),
        maximum: flex::get(input.maximum),
    };
    Ok(ctx
        .dir
        .update_attribute(&pool, &CustomAttributeUid::parse(&input.uid)?, patch)
        .await?
        .into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UidIn {
    user_pool_uid: String,
    uid: String,
}

pub async fn delete(ctx: &Ctx<'_>, input: UidIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .delete_attribute(&pool, &CustomAttributeUid::parse(&input.uid)?)
        .await?;
    Ok(MessageOut::new("Custom attribute deleted successfully"))
}
