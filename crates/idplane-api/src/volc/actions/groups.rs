//! CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AddUsersToGroup,
//! RemoveUsersFromGroup, ListUsersInGroup, ListGroupsForUser.

use idplane_core::fields::Field;
use idplane_core::ids::{GroupUid, UserUid, parse_batch};
use idplane_core::model::group::{GroupPatch, NewGroup};
use idplane_core::query::{GroupFilter, GroupQuery, GroupSortField, TextMatch, UserQuery};
use serde::Deserialize;

use super::Ctx;
use super::users::{UserFilterIn, user_sort};
use crate::flex::{self, Int};
use crate::volc::error::VolcError;
use crate::volc::wire::{self, GroupOut, ListOut, MessageOut, UserOut};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    user_pool_uid: String,
    name: String,
    description: Option<String>,
    precedence: Option<Int>,
    iam_role_trn: Option<String>,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<GroupOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let new = NewGroup {
        name: input.name,
        description: input.description.unwrap_or_default(),
        precedence: flex::get(input.precedence).unwrap_or(0),
        iam_role_trn: input.iam_role_trn.unwrap_or_default(),
    };
    Ok(ctx.dir.create_group(&pool, new).await?.into())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UidIn {
    user_pool_uid: String,
    group_uid: String,
}

pub async fn get(ctx: &Ctx<'_>, input: UidIn) -> Result<GroupOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    Ok(ctx
        .dir
        .get_group(&pool, &GroupUid::parse(&input.group_uid)?)
        .await?
        .into())
}

pub async fn delete(ctx: &Ctx<'_>, input: UidIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .delete_group(&pool, &GroupUid::parse(&input.group_uid)?)
        .await?;
    Ok(MessageOut::new("Group deleted successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateIn {
    user_pool_uid: String,
    group_uid: String,
    description: Option<String>,
    precedence: Option<Int>,
    iam_role_trn: Option<String>,
}

pub async fn update(ctx: &Ctx<'_>, input: UpdateIn) -> Result<GroupOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let patch = GroupPatch {
        description: input.description,
        precedence: flex::get(input.precedence),
        iam_role_trn: input.iam_role_trn,
    };
    Ok(ctx
        .dir
        .update_group(&pool, &GroupUid::parse(&input.group_uid)?, patch)
        .await?
        .into())
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct GroupFilterIn {
    name: Option<String>,
    name_match_mode: Option<Int>,
    description: Option<String>,
    source: Option<String>,
    group_uids_or: Option<Vec<String>>,
    group_id_token_name: Option<String>,
}

impl GroupFilterIn {
    fn into_filter(self) -> Result<GroupFilter, VolcError> {
        let name = match self
            .name
            .or(self.group_id_token_name)
            .filter(|n| !n.is_empty())
        {
            Some(n) => Some(
                TextMatch::from_mode(n, flex::get(self.name_match_mode)).map_err(|_| {
                    VolcError::invalid("Filter.NameMatchMode", "expected 0, 1 or 2")
                })?,
            ),
            None => None,
        };
        let uids = match self.group_uids_or.filter(|g| !g.is_empty()) {
            Some(list) => Some(
                list.iter()
                    .map(|g| GroupUid::parse(g))
                    .collect::<Result<_, _>>()
                    .map_err(|_| VolcError::invalid("Filter.GroupUidsOr", "malformed group uid"))?,
            ),
            None => None,
        };
        Ok(GroupFilter {
            name,
            description: self.description.filter(|d| !d.is_empty()),
            source: self.source.filter(|s| !s.is_empty()),
            uids,
            member: None,
        })
    }
}

fn sort_field(value: Option<&str>) -> Result<GroupSortField, VolcError> {
    match value {
        None | Some("") | Some("CreateTime") => Ok(GroupSortField::CreateTime),
        Some("UpdateTime") => Ok(GroupSortField::UpdateTime),
        Some("Name") => Ok(GroupSortField::Name),
        Some("Precedence") => Ok(GroupSortField::Precedence),
        Some(other) => Err(VolcError::invalid(
            "SortField",
            format!("{other:?} is not one of CreateTime, UpdateTime, Name, Precedence"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    user_pool_uid: String,
    page_number: Int,
    page_size: Int,
    filter: Option<GroupFilterIn>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
}

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut<GroupOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(Some(input.page_number), Some(input.page_size), None, None)?;
    let query = GroupQuery {
        filter: input.filter.unwrap_or_default().into_filter()?,
        sort: (
            sort_field(input.sort_field.as_deref())?,
            wire::direction(input.sort_direction.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let page = ctx.dir.list_groups(&pool, &query).await?;
    Ok(ListOut::new(page, &paging, GroupOut::from))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembersIn {
    user_pool_uid: String,
    group_uid: String,
    #[serde(default)]
    user_uids: Vec<String>,
}

pub async fn add_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .add_users_to_group(
            &pool,
            &GroupUid::parse(&input.group_uid)?,
            &parse_batch(Field::UserIds, &input.user_uids, UserUid::parse)?,
        )
        .await?;
    Ok(MessageOut::new("Users added to group successfully"))
}

pub async fn remove_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<MessageOut, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    ctx.dir
        .remove_users_from_group(
            &pool,
            &GroupUid::parse(&input.group_uid)?,
            &parse_batch(Field::UserIds, &input.user_uids, UserUid::parse)?,
        )
        .await?;
    Ok(MessageOut::new("Users removed from group successfully"))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersIn {
    user_pool_uid: String,
    group_uid: String,
    filter: Option<UserFilterIn>,
    page_number: Option<Int>,
    page_size: Option<Int>,
    next_token: Option<String>,
    max_results: Option<Int>,
}

pub async fn list_users(ctx: &Ctx<'_>, input: ListUsersIn) -> Result<ListOut<UserOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(
        input.page_number,
        input.page_size,
        input.next_token,
        input.max_results,
    )?;
    let query = UserQuery {
        conditions: input.filter.unwrap_or_default().conditions()?,
        sort: user_sort(None, None)?,
        paging: paging.clone(),
    };
    let page = ctx
        .dir
        .list_users_in_group(&pool, &GroupUid::parse(&input.group_uid)?, query)
        .await?;
    Ok(ListOut::new(page, &paging, UserOut::new))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ForUserIn {
    user_pool_uid: String,
    user_uid: String,
    page_number: Int,
    page_size: Option<Int>,
    filter: Option<GroupFilterIn>,
    sort_field: Option<String>,
    sort_direction: Option<String>,
}

pub async fn list_for_user(
    ctx: &Ctx<'_>,
    input: ForUserIn,
) -> Result<ListOut<GroupOut>, VolcError> {
    let pool = ctx.pool(&input.user_pool_uid).await?;
    let paging = wire::paging(Some(input.page_number), input.page_size, None, None)?;
    let query = GroupQuery {
        filter: input.filter.unwrap_or_default().into_filter()?,
        sort: (
            sort_field(input.sort_field.as_deref())?,
            wire::direction(input.sort_direction.as_deref())?,
        ),
        paging: paging.clone(),
    };
    let page = ctx
        .dir
        .list_groups_for_user(&pool, &UserUid::parse(&input.user_uid)?, query)
        .await?;
    Ok(ListOut::new(page, &paging, GroupOut::from))
}
