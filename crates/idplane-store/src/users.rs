//! Users: rows, writes, and paged search.

use std::collections::HashMap;

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind, UserError};
use idplane_core::ids::{DepartmentUid, GroupUid, UserPoolUid, UserUid};
use idplane_core::model::user::{
    Placement, PlacementChange, User, UserProfile, UserState, UserSummary, UserWrite, display_name,
};
use idplane_core::query::{Page, Paging, UserCondition, UserQuery};
use idplane_core::store::{PoolScope, UserStore};

use crate::SqlStore;
use crate::backend::{Conn, RowLock};
use crate::error::write_error;
use crate::groups::{insert_member, lock_group, lock_group_change, write_group_change};
use crate::identifiers;
use crate::paging::DEEP_OFFSET;
use crate::row::Columns;
use crate::sql::{Sql, flag, opt, sql};
use crate::user_pages::members_of;
use crate::user_query::{
    condition, filters_other_member_key, index_driven, on_member_row, sort_spec,
};

const COLUMNS: &str = "u.uid, u.pool_uid, u.preferred_username, u.email, u.phone_number, u.name, \
     u.given_name, u.family_name, u.middle_name, u.nickname, u.gender, u.birthdate, u.locale, \
     u.picture, u.profile, u.website, u.zoneinfo, u.user_metadata, u.description, \
     u.email_verified, u.phone_number_verified, u.custom_attributes, u.state, u.password_hash, \
     u.latest_login, u.num_logins, u.expiration_time, u.pwd_need_reset, u.data_source, \
     u.created_at, u.updated_at, u.generation, u.failed_sign_ins, u.locked_until";

/// `SELECT` of whole users from `users u`, memberships included, for [`user_from`]; a WHERE
/// clause follows.
pub(crate) fn select_users() -> String {
    format!(
        "SELECT {COLUMNS}, {} FROM users u",
        membership_columns("u.uid")
    )
}

/// What a summary row reads (see [`summary_from`]).
const SUMMARY_COLUMNS: &str = "u.uid, u.preferred_username, u.email, u.phone_number, u.name, \
     u.state, u.data_source, u.locked_until";

/// Which columns a user search reads: whole users with their memberships, or summaries.
#[derive(Clone, Copy)]
pub(crate) enum View {
    Full,
    Summary,
}

impl View {
    pub(crate) fn columns(self) -> &'static str {
        match self {
            View::Full => COLUMNS,
            View::Summary => SUMMARY_COLUMNS,
        }
    }

    /// The select-list items after the columns, for the user whose uid is `uid`.
    pub(crate) fn extras(self, uid: &str) -> String {
        match self {
            View::Full => format!("{}, ", membership_columns(uid)),
            View::Summary => String::new(),
        }
    }
}

/// The select-list items carrying the groups and departments of the user whose uid is
/// `uid`, each a comma-separated list in uid order (NULL for none; identifiers never hold a
/// comma), read by [`user_from`].
fn membership_columns(uid: &str) -> String {
    format!(
        "(SELECT string_agg(m.group_uid, ',' ORDER BY m.group_uid) FROM group_members m \
           WHERE m.user_uid = {uid}) AS member_groups, \
         (SELECT string_agg(m.department_uid, ',' ORDER BY m.department_uid) \
           FROM department_members m WHERE m.user_uid = {uid}) AS member_departments"
    )
}

fn uid_list(row: &dyn Columns, column: &str) -> DomainResult<Vec<String>> {
    Ok(row
        .opt_text(column)?
        .map(|l| l.split(',').map(str::to_owned).collect())
        .unwrap_or_default())
}

/// The values written for a user, in the order of the INSERT/UPDATE column lists.
fn text_values(u: &User) -> [String; 18] {
    let p = &u.profile;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let display = display_name(&p.name, &p.preferred_username);
    [
        s(&p.preferred_username),
        s(&p.email),
        s(&p.phone_number),
        s(&p.name),
        display,
        s(&p.given_name),
        s(&p.family_name),
        s(&p.middle_name),
        s(&p.nickname),
        s(&p.gender),
        s(&p.birthdate),
        s(&p.locale),
        s(&p.picture),
        s(&p.profile),
        s(&p.website),
        s(&p.zoneinfo),
        s(&p.user_metadata),
        s(&p.description),
    ]
}

/// Copies, inside an open write, the user's search and sort keys to its membership rows, as
/// the membership inserts take them (see migration 0017).
pub(crate) async fn refresh_member_keys(tx: &mut Conn, user: &UserUid) -> DomainResult<()> {
    tx.execute(sql!(
        &format!(
            "{MEMBER_KEY_UPDATE} FROM users u WHERE u.uid = $1 AND group_members.user_uid = $1"
        ),
        user.as_str()
    ))
    .await?;
    Ok(())
}

/// `UPDATE group_members SET …` every key a membership row copies from the user row `u`
/// (the same values as [`MEMBER_KEY_VALUES`]); the caller adds `FROM users u WHERE …`.
pub(crate) const MEMBER_KEY_UPDATE: &str = "UPDATE group_members SET \
     username = lower(u.preferred_username), display_name = u.display_name, \
     phone = u.phone_number, email = lower(u.email), state = u.state, \
     user_created_at = u.created_at, user_updated_at = u.updated_at";

/// The membership columns an insert copies from the user row `u`, after the group's own.
pub(crate) const MEMBER_KEY_COLUMNS: &str =
    "username, display_name, phone, email, state, user_created_at, user_updated_at";

/// The values of [`MEMBER_KEY_COLUMNS`] read from the user row `u`.
pub(crate) const MEMBER_KEY_VALUES: &str = "lower(u.preferred_username), u.display_name, \
     u.phone_number, lower(u.email), u.state, u.created_at, u.updated_at";

pub(crate) const WRITE_COLUMNS: [&str; 30] = [
    "preferred_username",
    "email",
    "phone_number",
    "name",
    "display_name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "gender",
    "birthdate",
    "locale",
    "picture",
    "profile",
    "website",
    "zoneinfo",
    "user_metadata",
    "description",
    "email_verified",
    "phone_number_verified",
    "custom_attributes",
    "state",
    "password_hash",
    "latest_login",
    "num_logins",
    "expiration_time",
    "pwd_need_reset",
    "data_source",
    "created_at",
    "updated_at",
];

pub(crate) fn write_sql(sql: &mut Sql, u: &User) -> DomainResult<Vec<String>> {
    let attrs =
        serde_json::to_string(&u.profile.custom_attributes).map_err(DomainError::internal)?;
    let mut params: Vec<String> = text_values(u)
        .into_iter()
        .map(|v| sql.text_param(v))
        .collect();
    params.push(sql.int_param(i64::from(u.profile.email_verified)));
    params.push(sql.int_param(i64::from(u.profile.phone_number_verified)));
    params.push(sql.text_param(attrs));
    params.push(sql.text_param(u.state.as_str()));
    params.push(sql.text_param(u.password_hash.clone().unwrap_or_default()));
    params.push(sql.int_param(u.latest_login.map_or(0, Timestamp::millis)));
    params.push(sql.int_param(u.num_logins));
    params.push(sql.int_param(u.expiration_time.map_or(0, Timestamp::millis)));
    params.push(sql.int_param(i64::from(u.pwd_need_reset)));
    params.push(sql.text_param(u.data_source.clone()));
    params.push(sql.int_param(u.created_at.millis()));
    params.push(sql.int_param(u.updated_at.millis()));
    Ok(params)
}

pub(crate) fn user_from(row: &dyn Columns) -> DomainResult<User> {
    let t = |name: &str| -> DomainResult<Option<String>> { row.text(name).map(opt) };
    let i = |name: &str| -> DomainResult<i64> { row.int(name) };
    let attrs = row.text("custom_attributes")?;
    let state = row.text("state")?;
    let latest = i("latest_login")?;
    let expires = i("expiration_time")?;
    Ok(User {
        uid: UserUid::from_stored(row.text("uid")?),
        pool_uid: UserPoolUid::from_stored(row.text("pool_uid")?),
        profile: UserProfile {
            preferred_username: t("preferred_username")?,
            email: t("email")?,
            phone_number: t("phone_number")?,
            name: t("name")?,
            given_name: t("given_name")?,
            family_name: t("family_name")?,
            middle_name: t("middle_name")?,
            nickname: t("nickname")?,
            gender: t("gender")?,
            birthdate: t("birthdate")?,
            locale: t("locale")?,
            picture: t("picture")?,
            profile: t("profile")?,
            website: t("website")?,
            zoneinfo: t("zoneinfo")?,
            user_metadata: t("user_metadata")?,
            description: t("description")?,
            email_verified: flag(i("email_verified")?),
            phone_number_verified: flag(i("phone_number_verified")?),
            custom_attributes: serde_json::from_str(&attrs).map_err(DomainError::internal)?,
        },
        state: UserState::parse(&state).map_err(|_| DomainError::internal("unknown user state"))?,
        password_hash: t("password_hash")?,
        latest_login: (latest > 0).then(|| Timestamp::from_millis(latest)),
        num_logins: i("num_logins")?,
        expiration_time: (expires > 0).then(|| Timestamp::from_millis(expires)),
        pwd_need_reset: flag(i("pwd_need_reset")?),
        data_source: row.text("data_source")?,
        created_at: Timestamp::from_millis(i("created_at")?),
        updated_at: Timestamp::from_millis(i("updated_at")?),
        group_uids: uid_list(row, "member_groups")?
            .into_iter()
            .map(GroupUid::from_stored)
            .collect(),
        department_uids: uid_list(row, "member_departments")?
            .into_iter()
            .map(DepartmentUid::from_stored)
            .collect(),
        generation: i("generation")?,
        failed_sign_ins: i("failed_sign_ins")?,
        locked_until: Some(i("locked_until")?)
            .filter(|t| *t > 0)
            .map(Timestamp::from_millis),
    })
}

fn summary_from(row: &dyn Columns) -> DomainResult<UserSummary> {
    let t = |name: &str| -> DomainResult<Option<String>> { row.text(name).map(opt) };
    let state = row.text("state")?;
    Ok(UserSummary {
        uid: UserUid::from_stored(row.text("uid")?),
        preferred_username: t("preferred_username")?,
        name: t("name")?,
        email: t("email")?,
        phone_number: t("phone_number")?,
        state: UserState::parse(&state).map_err(|_| DomainError::internal("unknown user state"))?,
        data_source: row.text("data_source")?,
        locked_until: Some(row.int("locked_until")?)
            .filter(|t| *t > 0)
            .map(Timestamp::from_millis),
    })
}

/// What a user search reads each row as, and which columns that takes.
pub(crate) trait UserRow: Sized + Send + 'static {
    const VIEW: View;
    fn from_row(row: &dyn Columns) -> DomainResult<Self>;
}

impl UserRow for User {
    const VIEW: View = View::Full;
    fn from_row(row: &dyn Columns) -> DomainResult<Self> {
        user_from(row)
    }
}

impl UserRow for UserSummary {
    const VIEW: View = View::Summary;
    fn from_row(row: &dyn Columns) -> DomainResult<Self> {
        summary_from(row)
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, scope: &PoolScope, user: &User) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        insert_user_in(&mut tx, scope, user).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_placed_user(
        &self,
        scope: &PoolScope,
        user: &User,
        placement: &Placement,
    ) -> DomainResult<()> {
        let pool = scope.pool_uid();
        let departments: Vec<&DepartmentUid> = placement.departments.iter().collect();
        let mut tx = self.members_write(scope, &departments).await?;
        let mut groups = placement.groups.clone();
        groups.sort();
        groups.dedup();
        // Group rows in one order, as every membership change takes them.
        for g in &groups {
            if !lock_group(&mut tx, pool, g).await? {
                return Err(DomainError::not_found(Kind::Group, g.as_str()));
            }
        }
        insert_user_in(&mut tx, scope, user).await?;
        crate::memberships::join_in_order(
            &mut tx,
            pool,
            &user.uid,
            &placement.departments,
            user.created_at,
            &HashMap::new(),
        )
        .await?;
        for g in &groups {
            insert_member(&mut tx, pool, g, &user.uid, user.created_at).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn get_user(&self, scope: &PoolScope, uid: &UserUid) -> DomainResult<Option<User>> {
        let sql = format!("{} WHERE u.pool_uid = $1 AND u.uid = $2", select_users());
        let sql = sql!(&sql, scope.pool_uid().as_str(), uid.as_str());
        Ok(self.db.fetch_optional(sql, user_from).await?)
    }

    async fn update_user(
        &self,
        scope: &PoolScope,
        user: &User,
        write: UserWrite,
    ) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        update_user_in(&mut tx, scope, user, write).await?;
        Ok(tx.commit().await?)
    }

    async fn update_placed_user(
        &self,
        scope: &PoolScope,
        user: &User,
        write: UserWrite,
        change: &PlacementChange,
    ) -> DomainResult<()> {
        let pool = scope.pool_uid();
        let mut tx = match &change.departments {
            Some(departments) => {
                let named: Vec<&DepartmentUid> = departments.iter().collect();
                self.members_write(scope, &named).await?
            }
            None => self.db.write().await?,
        };
        let me = std::slice::from_ref(&user.uid);
        let left = match &change.groups {
            Some(groups) => Some(lock_group_change(&mut tx, pool, me, groups).await?),
            None => None,
        };
        update_user_in(&mut tx, scope, user, write).await?;
        if let Some(departments) = &change.departments {
            crate::memberships::replace_departments(
                &mut tx,
                pool,
                &user.uid,
                departments,
                user.updated_at,
            )
            .await?;
        }
        if let (Some(groups), Some(left)) = (&change.groups, left) {
            write_group_change(&mut tx, pool, me, &left, groups, user.updated_at).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn delete_user(&self, scope: &PoolScope, uid: &UserUid) -> DomainResult<bool> {
        let mut tx = self.db.write().await?;
        if tx.locks_rows() {
            // The user's memberships go with it, and its groups' member counts with them:
            // those groups are locked first, in uid order (see `groups::lock_group`).
            let lock = format!(
                "SELECT g.uid FROM groups g WHERE g.uid IN \
                 (SELECT m.group_uid FROM group_members m WHERE m.user_uid = $1) \
                 ORDER BY g.uid{}",
                tx.row_lock(RowLock::NoKeyUpdate)
            );
            tx.fold(sql!(&lock, uid.as_str()), (), |(), _| Ok(true))
                .await?;
        }
        let deleted = tx
            .execute(sql!(
                "DELETE FROM users WHERE pool_uid = $1 AND uid = $2",
                scope.pool_uid().as_str(),
                uid.as_str()
            ))
            .await?;
        tx.commit().await?;
        Ok(deleted > 0)
    }

    async fn query_users(&self, scope: &PoolScope, query: &UserQuery) -> DomainResult<Page<User>> {
        self.search_users(scope, query).await
    }

    async fn query_user_summaries(
        &self,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<UserSummary>> {
        self.search_users(scope, query).await
    }

    async fn existing_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<UserUid>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT uid FROM users WHERE pool_uid = ");
        let p = sql.text_param(scope.pool_uid().as_str());
        let list = sql.text_list(users.iter().map(UserUid::as_str));
        sql.push(&format!("{p} AND uid IN ({list})"));
        let found = self
            .db
            .fetch(sql, |row| Ok(UserUid::from_stored(row.text("uid")?)))
            .await?;
        Ok(found)
    }
}

/// Writes a user back inside an open write, provided its generation is still the one read
/// (see [`UserStore::update_user`]).
async fn update_user_in(
    tx: &mut Conn,
    scope: &PoolScope,
    user: &User,
    write: UserWrite,
) -> DomainResult<()> {
    let mut sql = Sql::new("");
    let params = write_sql(&mut sql, user)?;
    let pool = sql.text_param(scope.pool_uid().as_str());
    let uid = sql.text_param(user.uid.as_str());
    let read_generation = sql.int_param(user.generation);
    let mut sets: Vec<String> = WRITE_COLUMNS
        .iter()
        .zip(&params)
        .filter(|(c, _)| !matches!(**c, "created_at" | "latest_login" | "num_logins"))
        .map(|(c, p)| format!("{c} = {p}"))
        .collect();
    if write.ends_access {
        sets.push("generation = generation + 1".to_owned());
    }
    if write.clears_lockout {
        sets.push("failed_sign_ins = 0, locked_until = 0".to_owned());
    }
    let text = format!(
        "UPDATE users SET {} WHERE pool_uid = {pool} AND uid = {uid} \
         AND generation = {read_generation}",
        sets.join(", ")
    );
    let mut full = Sql::new(&text);
    full.append_binds_from(&sql);
    let updated = tx
        .execute(full)
        .await
        .map_err(|e| write_error(e, Kind::User))?;
    if updated == 0 {
        let sql = sql!(
            "SELECT 1 AS one FROM users WHERE pool_uid = $1 AND uid = $2",
            scope.pool_uid().as_str(),
            user.uid.as_str()
        );
        let exists = tx.fetch_optional(sql, |_| Ok(())).await?;
        return Err(match exists {
            Some(_) => UserError::ChangedConcurrently.into(),
            None => DomainError::not_found(Kind::User, user.uid.as_str()),
        });
    }
    identifiers::write(tx, scope.pool_uid(), user).await?;
    crate::attribute_values::write(tx, scope.pool_uid(), user).await?;
    if write.ends_access {
        crate::sign_in::end_access(tx, &user.uid).await?;
    }
    refresh_member_keys(tx, &user.uid).await
}

/// Inserts a user row and its identifier keys inside an open write.
async fn insert_user_in(tx: &mut Conn, scope: &PoolScope, user: &User) -> DomainResult<()> {
    let mut sql = Sql::new("");
    let uid = sql.text_param(user.uid.as_str());
    let pool = sql.text_param(scope.pool_uid().as_str());
    let params = write_sql(&mut sql, user)?;
    let text = format!(
        "INSERT INTO users (uid, pool_uid, {}) VALUES ({uid}, {pool}, {})",
        WRITE_COLUMNS.join(", "),
        params.join(", ")
    );
    let mut full = Sql::new(&text);
    full.append_binds_from(&sql);
    tx.execute(full)
        .await
        .map_err(|e| write_error(e, Kind::User))?;
    identifiers::write(tx, scope.pool_uid(), user).await?;
    crate::attribute_values::write_many(tx, scope.pool_uid(), std::slice::from_ref(user)).await
}

/// `(SELECT …)`, how many users the pool holds: the sum of its stored counts (migration 0019).
pub(crate) fn pool_count(scope: &PoolScope) -> Sql {
    let mut c = Sql::new(
        "(SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM pool_user_counts c \
         WHERE c.pool_uid = ",
    );
    let p = c.text_param(scope.pool_uid().as_str());
    c.push(&format!("{p})"));
    c
}

/// `(SELECT …)`, the stored member count of the pool's group (NULL for no such group in the
/// pool).
fn group_count(scope: &PoolScope, group: &GroupUid) -> Sql {
    let mut c = Sql::new("(SELECT g.member_count FROM groups g WHERE g.uid = ");
    let p = c.text_param(group.as_str());
    let q = c.text_param(scope.pool_uid().as_str());
    c.push(&format!("{p} AND g.pool_uid = {q})"));
    c
}

/// `(SELECT …)`, how many users `query` finds (`from` under `filter`). All of one group's
/// members are counted by the group itself, all of a pool's users by the pool (their stored
/// counts).
fn count_subquery(
    scope: &PoolScope,
    query: &UserQuery,
    group: Option<&GroupUid>,
    from: &str,
    filter: &Sql,
) -> Sql {
    match group {
        None if query.conditions.is_empty() => pool_count(scope),
        Some(g) if query.conditions.len() == 1 => group_count(scope, g),
        _ => {
            let mut c = Sql::new(&format!("(SELECT COUNT(*) FROM {from}"));
            c.append(filter);
            c.push(")");
            c
        }
    }
}

impl SqlStore {
    /// One page of a user search, each row read as a `T`, with the total and, for cursor
    /// paging, the next token.
    async fn search_users<T: UserRow>(
        &self,
        scope: &PoolScope,
        query: &UserQuery,
    ) -> DomainResult<Page<T>> {
        if query
            .conditions
            .iter()
            .any(|c| matches!(c, UserCondition::AttributesAsked(_)))
        {
            return Err(DomainError::internal(
                "custom attribute terms reached the store unresolved",
            ));
        }
        let view = T::VIEW;
        // Within one group, the search runs on the group's membership rows, which carry the
        // members' user names, display names and creation/update times in their own indexes.
        // When every condition is on those keys, counting and paging touch only the membership
        // index, and users are read for the page alone.
        let group = query.conditions.iter().find_map(|c| match c {
            UserCondition::InGroup(g) => Some(g),
            _ => None,
        });
        let member_only = group.is_some()
            && query.conditions.iter().all(|c| match c {
                UserCondition::InGroup(g) => Some(g) == group,
                c => on_member_row(c),
            });
        let mut filter = Sql::new(" WHERE ");
        let pool = filter.text_param(scope.pool_uid().as_str());
        let from = match group {
            // The membership indexes lead with the group: it is found within the pool once.
            Some(g) if member_only => {
                let g = filter.text_param(g.as_str());
                filter.push(&format!(
                    "gm.group_uid = (SELECT g.uid FROM groups g WHERE g.uid = {g} AND g.pool_uid = {pool})"
                ));
                "group_members gm"
            }
            Some(g) => {
                let g = filter.text_param(g.as_str());
                filter.push(&format!("u.pool_uid = {pool} AND gm.group_uid = {g}"));
                "users u JOIN group_members gm ON gm.user_uid = u.uid"
            }
            None => {
                filter.push(&format!("u.pool_uid = {pool}"));
                "users u"
            }
        };
        let mut skipped_group = false;
        for c in &query.conditions {
            if group.is_some() && !skipped_group && matches!(c, UserCondition::InGroup(_)) {
                skipped_group = true;
                continue;
            }
            condition(&mut filter, c, group.is_some(), &pool);
        }
        let spec = sort_spec(query.sort, group.is_some());
        let deferred = member_only && spec.expr.starts_with("gm.");
        let select = if deferred {
            "gm.user_uid AS member_uid"
        } else {
            view.columns()
        };
        let page_from = if group.is_some() && !deferred {
            "users u JOIN group_members gm ON gm.user_uid = u.uid"
        } else {
            from
        };
        let deep_offset = deferred
            && !matches!(query.paging, Paging::Cursor { .. })
            && query.paging.offset_limit().0 >= DEEP_OFFSET;
        // Filtered on one member key and sorted on another, no index holds the matches in
        // order: a deep page is selected from their keys, or else sorted whole on SQLite (a
        // page of narrow membership rows, a uid and a key each). Otherwise the sort key's
        // index is read in order and the offset skipped in it.
        let other_key = deferred
            && !matches!(query.paging, Paging::Cursor { .. })
            && filters_other_member_key(&query.conditions, &spec);
        // Conditions the membership rows cannot answer alone, with one an index can count:
        // the matches are counted up to where walking the sort index becomes cheaper.
        let planned = match group {
            None => query
                .conditions
                .iter()
                .any(index_driven)
                .then(|| pool_count(scope)),
            Some(g) if !member_only => Some(group_count(scope, g)),
            Some(_) => None,
        };
        if let Some(population) = planned
            && !matches!(query.paging, Paging::Cursor { .. })
            && let Some(page) = self
                .planned_pool_page(page_from, &population, &filter, &spec, &query.paging)
                .await?
        {
            return Ok(page);
        }
        if other_key && let Some(g) = group {
            let count = count_subquery(scope, query, group, from, &filter);
            if let Some(page) = self
                .planned_member_page(g, &filter, &count, &spec, &query.paging)
                .await?
            {
                return Ok(page);
            }
        }
        let unordered = deep_offset && other_key;
        let deep = unordered && self.db.sorts_deep_pages_whole();
        let head = if deep {
            "WITH sorted AS MATERIALIZED (SELECT"
        } else {
            "SELECT"
        };
        let mut page = Sql::new(&format!(
            "{head} {select}, {} FROM {page_from}",
            spec.key_column()
        ));
        page.append(&filter);
        let limit = if deep {
            spec.finish_sorted(&mut page, &query.paging)
        } else {
            spec.finish(&mut page, &query.paging)?
        };
        // One statement: the page (with the users' memberships, read for the page's rows
        // alone) and the count, an uncorrelated subquery the database evaluates once.
        let count = count_subquery(scope, query, group, from, &filter);
        let outer = if deferred {
            // Page the membership index, then read just those users.
            members_of(&page, view, &spec, Some(&count))
        } else {
            let mut outer = Sql::new(&format!("SELECT p.*, {}", view.extras("p.uid")));
            outer.append(&count);
            outer.push(" AS total_found FROM (");
            outer.append(&page);
            outer.push(&format!(") p{}", spec.outer_order("p.sort_key", "p.uid")));
            outer
        };
        self.run_page(outer, count, spec, &query.paging, limit)
            .await
    }
}
