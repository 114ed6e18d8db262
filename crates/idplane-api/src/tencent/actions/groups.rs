//! CreateUserGroup, DescribeUserGroup, DeleteUserGroup, ListUserGroups, AddUserToUserGroup,
//! RemoveUserFromUserGroup, ListUserGroupsOfUser, ListUsersInUserGroup.

use std::collections::HashSet;

use idplane_core::fields::Field;
use idplane_core::ids::{GroupUid, UserUid, parse_batch};
use idplane_core::model::group::{Group, NewGroup};
use idplane_core::query::{GroupFilter, GroupQuery, GroupSortField, TextMatch, UserQuery};
use serde::{Deserialize, Serialize};

use super::users::{
    Empty, FailedItemsOut, MEMBER_SORT_KEYS, SearchIn, UserInfoOut, find_user, user_infos,
};
use super::{Ctx, Failure};
use crate::flex::Int;
use crate::tencent::error::TcError;
use crate::tencent::wire::{self, SortIn};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateIn {
    display_name: String,
    description: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateOut {
    user_group_id: String,
}

pub async fn create(ctx: &Ctx<'_>, input: CreateIn) -> Result<CreateOut, Failure> {
    if input.display_name.chars().count() > 64 {
        return Err(TcError::InvalidParameterValue(
            "DisplayName is at most 64 characters.".to_owned(),
        )
        .into());
    }
    let new = NewGroup {
        name: input.display_name,
        description: input.description.unwrap_or_default(),
        ..NewGroup::default()
    };
    let group = ctx.dir.create_group(ctx.access, new).await?;
    Ok(CreateOut {
        user_group_id: group.uid.into_string(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupIn {
    user_group_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOut {
    user_group_id: String,
    display_name: String,
    description: String,
}

pub async fn describe(ctx: &Ctx<'_>, input: GroupIn) -> Result<DescribeOut, Failure> {
    let uid = GroupUid::parse(&input.user_group_id)?;
    let g = ctx.dir.get_group(ctx.access, &uid).await?;
    Ok(DescribeOut {
        user_group_id: g.uid.into_string(),
        display_name: g.name,
        description: g.description,
    })
}

pub async fn delete(ctx: &Ctx<'_>, input: GroupIn) -> Result<Empty, Failure> {
    ctx.dir
        .delete_group(ctx.access, &GroupUid::parse(&input.user_group_id)?)
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct KeywordIn {
    keyword: Option<String>,
}

fn keyword_filter(k: Option<KeywordIn>) -> GroupFilter {
    GroupFilter {
        name: k
            .and_then(|k| k.keyword)
            .filter(|k| !k.is_empty())
            .map(TextMatch::Contains),
        ..GroupFilter::default()
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListIn {
    search_condition: Option<KeywordIn>,
    sort: Option<SortIn>,
    offset: Option<Int>,
    limit: Option<Int>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupInformation {
    user_group_id: String,
    user_group_name: String,
    last_modified_date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListOut {
    user_group_list: Vec<GroupInformation>,
    total_count: i64,
}

/// How many groups an unpaged group list returns ("everything", bounded).
const ALL_GROUPS: u32 = 10_000;

pub async fn list(ctx: &Ctx<'_>, input: ListIn) -> Result<ListOut, Failure> {
    let sort = wire::sort_key(
        input.sort,
        &[
            ("DisplayName", GroupSortField::Name),
            ("UserGroupId", GroupSortField::Uid),
            ("LastModifiedDate", GroupSortField::UpdateTime),
        ],
        GroupSortField::Name,
    )?;
    let query = GroupQuery {
        filter: keyword_filter(input.search_condition),
        sort,
        paging: wire::paging(input.offset, input.limit, ALL_GROUPS)?,
    };
    let page = ctx.dir.list_groups(ctx.access, &query).await?;
    Ok(ListOut {
        total_count: page.total,
        user_group_list: page
            .items
            .into_iter()
            .map(|g| GroupInformation {
                last_modified_date: wire::time(g.updated_at),
                user_group_id: g.uid.into_string(),
                user_group_name: g.name,
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MembersIn {
    user_ids: Vec<String>,
    user_group_id: String,
}

pub async fn add_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<FailedItemsOut, Failure> {
    super::batch("UserIds", &input.user_ids)?;
    let group = GroupUid::parse(&input.user_group_id)?;
    let parsed: Vec<UserUid> = input
        .user_ids
        .iter()
        .filter_map(|id| UserUid::parse(id).ok())
        .collect();
    let unknown: HashSet<UserUid> = ctx
        .dir
        .add_known_users_to_group(ctx.access, &group, &parsed)
        .await?
        .into_iter()
        .collect();
    let failed = input
        .user_ids
        .into_iter()
        .filter(|id| UserUid::parse(id).map_or(true, |u| unknown.contains(&u)))
        .collect();
    Ok(FailedItemsOut {
        failed_items: failed,
    })
}

pub async fn remove_users(ctx: &Ctx<'_>, input: MembersIn) -> Result<Empty, Failure> {
    super::batch("UserIds", &input.user_ids)?;
    ctx.dir
        .remove_users_from_group(
            ctx.access,
            &GroupUid::parse(&input.user_group_id)?,
            &parse_batch(Field::UserIds, &input.user_ids, UserUid::parse)?,
        )
        .await?;
    Ok(Empty {})
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OfUserIn {
    user_id: String,
    search_condition: Option<KeywordIn>,
    sort: Option<SortIn>,
    offset: Option<Int>,
    limit: Option<Int>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupInfo {
    user_group_id: String,
    display_name: String,
    description: String,
    created_date: String,
}

impl From<Group> for GroupInfo {
    fn from(g: Group) -> Self {
        Self {
            created_date: wire::time(g.created_at),
            user_group_id: g.uid.into_string(),
            display_name: g.name,
            description: g.description,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OfUserOut {
    user_id: String,
    user_group_ids: Vec<String>,
    user_group_info_list: Vec<GroupInfo>,
    total_count: i64,
}

pub async fn list_of_user(ctx: &Ctx<'_>, input: OfUserIn) -> Result<OfUserOut, Failure> {
    let user = find_user(ctx, Some(&input.user_id), None).await?;
    let sort = wire::sort_key(
        input.sort,
        &[
            ("DisplayName", GroupSortField::Name),
            ("UserGroupId", GroupSortField::Uid),
            ("CreatedDate", GroupSortField::CreateTime),
        ],
        GroupSortField::Name,
    )?;
    let query = GroupQuery {
        filter: keyword_filter(input.search_condition),
        sort,
        paging: wire::paging(input.offset, input.limit, 50)?,
    };
    let page = ctx
        .dir
        .list_groups_for_user(ctx.access, &user.uid, query)
        .await?;
    let infos: Vec<GroupInfo> = page.items.into_iter().map(GroupInfo::from).collect();
    Ok(OfUserOut {
        user_id: user.uid.into_string(),
        user_group_ids: infos.iter().map(|g| g.user_group_id.clone()).collect(),
        user_group_info_list: infos,
        total_count: page.total,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersIn {
    user_group_id: String,
    search_condition: Option<SearchIn>,
    sort: Option<SortIn>,
    offset: Option<Int>,
    limit: Option<Int>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UsersOut {
    user_group_id: String,
    user_info: Vec<UserInfoOut>,
    total_num: i64,
}

/// ListUsersInUserGroup: the group's members matching the search, sorted (default DisplayName
/// ascending, ties by user id), paged by Offset/Limit (neither: the first 50).
pub async fn list_users(ctx: &Ctx<'_>, input: UsersIn) -> Result<UsersOut, Failure> {
    if input.user_group_id.is_empty() {
        return Err(TcError::MissingParameter(
            "The required parameter UserGroupId is missing.".to_owned(),
        )
        .into());
    }
    let query = UserQuery {
        conditions: input.search_condition.unwrap_or_default().conditions()?,
        sort: wire::user_sort(input.sort, MEMBER_SORT_KEYS)?,
        paging: wire::paging(input.offset, input.limit, 50)?,
    };
    let page = ctx
        .dir
        .list_users_in_group(ctx.access, &GroupUid::parse(&input.user_group_id)?, query)
        .await?;
    let (user_info, total_num) = user_infos(page);
    Ok(UsersOut {
        user_group_id: input.user_group_id,
        user_info,
        total_num,
    })
}
