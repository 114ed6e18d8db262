//! Groups and their members.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{GroupUid, UserPoolUid, UserUid};
use idplane_core::model::group::Group;
use idplane_core::query::{GroupQuery, GroupSortField, Page, TextMatch};
use idplane_core::store::{GroupStore, PoolScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{internal, member_error, write_error};
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::sql::Sql;
use crate::{Dialect, SqlStore};

const COLUMNS: &str = "g.uid, g.pool_uid, g.name, g.description, g.precedence, g.iam_role_trn, \
     g.source, g.created_at, g.updated_at, g.member_count";

fn group_from(row: &AnyRow) -> Result<Group, sqlx::Error> {
    Ok(Group {
        uid: GroupUid::from_stored(row.try_get("uid")?),
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        precedence: row.try_get("precedence")?,
        iam_role_trn: row.try_get("iam_role_trn")?,
        source: row.try_get("source")?,
        member_count: row.try_get("member_count")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
    })
}

/// Locks a group whose members are about to change, returning whether it exists. Its stored
/// member count (migration 0008) is updated by the change; on PostgreSQL the row is taken
/// first, before the change's other locks (the foreign key checks' KEY SHARE on the group and
/// the users, the membership rows), so two writers meet here and never each hold what the
/// other waits for. NO KEY UPDATE: a concurrent group delete still waits or wins. SQLite
/// writes one transaction at a time.
pub async fn lock_group(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
    pool: &UserPoolUid,
    group: &GroupUid,
) -> DomainResult<bool> {
    let lock = match dialect {
        Dialect::Sqlite => "SELECT uid FROM groups WHERE pool_uid = $1 AND uid = $2",
        Dialect::Postgres => {
            "SELECT uid FROM groups WHERE pool_uid = $1 AND uid = $2 FOR NO KEY UPDATE"
        }
    };
    let found = sqlx::query(lock)
        .bind(pool.as_str().to_owned())
        .bind(group.as_str().to_owned())
        .fetch_optional(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(found.is_some())
}

/// Adds one member inside an open write (an existing member keeps when it joined).
pub(crate) async fn insert_member(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pool: &UserPoolUid,
    group: &GroupUid,
    user: &UserUid,
    now: Timestamp,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO group_members (group_uid, user_uid, pool_uid, created_at, username, display_name, \
         user_created_at, user_updated_at) \
         SELECT $1, u.uid, u.pool_uid, $4, lower(u.preferred_username), u.display_name, \
         u.created_at, u.updated_at \
         FROM users u WHERE u.uid = $2 AND u.pool_uid = $3 \
         ON CONFLICT (group_uid, user_uid) DO NOTHING",
    )
    .bind(group.as_str().to_owned())
    .bind(user.as_str().to_owned())
    .bind(pool.as_str().to_owned())
    .bind(now.millis())
    .execute(&mut **tx)
    .await
    .map_err(|e| member_error(e, user.as_str()))?;
    Ok(())
}

/// Locks, inside an open write, every group whose members change when `users` come to be in
/// exactly the groups `joining`: the groups they are in now and those they join, in uid order,
/// as single-group changes lock theirs, so two writers never each hold what the other waits
/// for. `NotFound` for a group to join that is not in the pool. Returns the groups the users
/// leave. A user added to yet another group meanwhile stays there (that group is not touched).
pub(crate) async fn lock_group_change(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
    pool: &UserPoolUid,
    users: &[UserUid],
    joining: &[GroupUid],
) -> DomainResult<Vec<GroupUid>> {
    let mut sql = Sql::new("SELECT DISTINCT group_uid FROM group_members WHERE pool_uid = ");
    let p = sql.text_param(pool.as_str());
    let list = sql.text_list(users.iter().map(UserUid::as_str));
    sql.push(&format!("{p} AND user_uid IN ({list})"));
    let rows = sql.query().fetch_all(&mut **tx).await.map_err(internal)?;
    let current: Vec<GroupUid> = rows
        .iter()
        .map(|r| {
            r.try_get::<String, _>("group_uid")
                .map(GroupUid::from_stored)
        })
        .collect::<Result<_, _>>()
        .map_err(internal)?;
    let mut all: Vec<GroupUid> = current.iter().chain(joining).cloned().collect();
    all.sort();
    all.dedup();
    for g in &all {
        if !lock_group(tx, dialect, pool, g).await? && joining.contains(g) {
            return Err(DomainError::not_found(Kind::Group, g.as_str()));
        }
    }
    Ok(current
        .into_iter()
        .filter(|g| !joining.contains(g))
        .collect())
}

/// The write [`lock_group_change`] prepared: `users` leave `left` and join `joining` (a member
/// already keeps when it joined).
pub(crate) async fn write_group_change(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pool: &UserPoolUid,
    users: &[UserUid],
    left: &[GroupUid],
    joining: &[GroupUid],
    now: Timestamp,
) -> DomainResult<()> {
    if !left.is_empty() {
        let mut delete = Sql::new("DELETE FROM group_members WHERE pool_uid = ");
        let p = delete.text_param(pool.as_str());
        let members = delete.text_list(users.iter().map(UserUid::as_str));
        let groups = delete.text_list(left.iter().map(GroupUid::as_str));
        delete.push(&format!(
            "{p} AND user_uid IN ({members}) AND group_uid IN ({groups})"
        ));
        delete.query().execute(&mut **tx).await.map_err(internal)?;
    }
    for g in joining {
        for user in users {
            insert_member(tx, pool, g, user, now).await?;
        }
    }
    Ok(())
}

/// Checks, inside a write transaction, that every user is in the pool.
pub async fn ensure_users_in_pool(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pool: &UserPoolUid,
    users: &[UserUid],
) -> DomainResult<()> {
    let mut sql = Sql::new("SELECT uid FROM users WHERE pool_uid = ");
    let p = sql.text_param(pool.as_str());
    sql.push(&p);
    sql.push(" AND uid IN (");
    let list = sql.text_list(users.iter().map(UserUid::as_str));
    sql.push(&list);
    sql.push(")");
    let rows = sql.query().fetch_all(&mut **tx).await.map_err(internal)?;
    let found: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("uid"))
        .collect::<Result<_, _>>()
        .map_err(internal)?;
    match users
        .iter()
        .find(|u| !found.iter().any(|f| f == u.as_str()))
    {
        Some(missing) => Err(DomainError::not_found(Kind::User, missing.as_str())),
        None => Ok(()),
    }
}

#[async_trait]
impl GroupStore for SqlStore {
    async fn insert_group(&self, scope: &PoolScope, group: &Group) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO groups (uid, pool_uid, name, description, precedence, iam_role_trn, source, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(group.uid.as_str().to_owned())
        .bind(scope.pool_uid().as_str().to_owned())
        .bind(group.name.clone())
        .bind(group.description.clone())
        .bind(group.precedence)
        .bind(group.iam_role_trn.clone())
        .bind(group.source.clone())
        .bind(group.created_at.millis())
        .bind(group.updated_at.millis())
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, Kind::Group))?;
        Ok(())
    }

    async fn get_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<Option<Group>> {
        let sql = format!("SELECT {COLUMNS} FROM groups g WHERE g.pool_uid = $1 AND g.uid = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(scope.pool_uid().as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(group_from).transpose().map_err(internal)
    }

    async fn update_group(&self, scope: &PoolScope, group: &Group) -> DomainResult<()> {
        let result = sqlx::query(
            "UPDATE groups SET name = $1, description = $2, precedence = $3, iam_role_trn = $4, updated_at = $5 \
             WHERE pool_uid = $6 AND uid = $7",
        )
        .bind(group.name.clone())
        .bind(group.description.clone())
        .bind(group.precedence)
        .bind(group.iam_role_trn.clone())
        .bind(group.updated_at.millis())
        .bind(scope.pool_uid().as_str().to_owned())
        .bind(group.uid.as_str().to_owned())
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, Kind::Group))?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found(Kind::Group, group.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<bool> {
        let result = sqlx::query("DELETE FROM groups WHERE pool_uid = $1 AND uid = $2")
            .bind(scope.pool_uid().as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(result.rows_affected() > 0)
    }

    async fn query_groups(
        &self,
        scope: &PoolScope,
        query: &GroupQuery,
    ) -> DomainResult<Page<Group>> {
        let mut filter = Sql::new(" WHERE g.pool_uid = ");
        let p = filter.text_param(scope.pool_uid().as_str());
        filter.push(&p);
        let f = &query.filter;
        if let Some(m) = &f.name {
            text_condition(&mut filter, "g.name", m);
        }
        if let Some(d) = &f.description {
            text_condition(
                &mut filter,
                "g.description",
                &TextMatch::Contains(d.clone()),
            );
        }
        if let Some(s) = &f.source {
            text_condition(&mut filter, "g.source", &TextMatch::Exact(s.clone()));
        }
        if let Some(uids) = &f.uids {
            let params: Vec<String> = uids.iter().map(|u| filter.text_param(u.as_str())).collect();
            filter.push(&format!(" AND g.uid IN ({})", params.join(", ")));
        }
        if let Some(member) = &f.member {
            let p = filter.text_param(member.as_str());
            filter.push(&format!(
                " AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_uid = g.uid AND gm.user_uid = {p})"
            ));
        }
        let total = self.count("groups g", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            GroupSortField::Uid => ("g.uid", KeyKind::Text),
            GroupSortField::Name => ("g.name", KeyKind::Text),
            GroupSortField::CreateTime => ("g.created_at", KeyKind::Int),
            GroupSortField::UpdateTime => ("g.updated_at", KeyKind::Int),
            GroupSortField::Precedence => ("g.precedence", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "g.uid",
            direction: query.sort.1,
        };
        let (rows, next_token) = self
            .page(COLUMNS, "groups g", &filter, &spec, &query.paging)
            .await?;
        Ok(Page {
            items: rows
                .iter()
                .map(group_from)
                .collect::<Result<_, _>>()
                .map_err(internal)?,
            total,
            next_token,
        })
    }

    async fn add_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        // The group row stays locked until commit, so a concurrent delete waits or wins.
        if !lock_group(&mut tx, self.dialect(), scope.pool_uid(), group).await? {
            return Err(DomainError::not_found(Kind::Group, group.as_str()));
        }
        ensure_users_in_pool(&mut tx, scope.pool_uid(), users).await?;
        for user in users {
            insert_member(&mut tx, scope.pool_uid(), group, user, now).await?;
        }
        tx.commit().await.map_err(internal)
    }

    async fn remove_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        lock_group(&mut tx, self.dialect(), scope.pool_uid(), group).await?;
        for user in users {
            sqlx::query(
                "DELETE FROM group_members WHERE pool_uid = $1 AND group_uid = $2 AND user_uid = $3",
            )
            .bind(scope.pool_uid().as_str().to_owned())
            .bind(group.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)
    }

    async fn set_only_group(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()> {
        if users.is_empty() {
            return Ok(());
        }
        let pool = scope.pool_uid();
        let mut tx = self.begin_write().await.map_err(internal)?;
        let joining = std::slice::from_ref(group);
        let left = lock_group_change(&mut tx, self.dialect(), pool, users, joining).await?;
        ensure_users_in_pool(&mut tx, pool, users).await?;
        write_group_change(&mut tx, pool, users, &left, joining, now).await?;
        tx.commit().await.map_err(internal)
    }

    async fn groups_of_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Group)>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT gm.user_uid AS member_uid, {COLUMNS} FROM groups g \
             JOIN group_members gm ON gm.group_uid = g.uid WHERE gm.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        let list = sql.text_list(users.iter().map(UserUid::as_str));
        sql.push(&format!(
            "{p} AND g.pool_uid = {p} AND gm.user_uid IN ({list}) \
             ORDER BY gm.user_uid, gm.created_at, g.uid"
        ));
        let rows = sql.query().fetch_all(&self.pool).await.map_err(internal)?;
        rows.iter()
            .map(|row| {
                let user = UserUid::from_stored(row.try_get("member_uid")?);
                Ok((user, group_from(row)?))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(internal)
    }
}
