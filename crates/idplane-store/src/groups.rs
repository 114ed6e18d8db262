//! Groups and their members.

use crate::SqlStore;
use crate::backend::{Conn, RowLock};
use crate::error::{member_error, write_error};
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use crate::users::{MEMBER_KEY_COLUMNS, MEMBER_KEY_VALUES};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{GroupUid, UserPoolUid, UserUid};
use idplane_core::model::group::Group;
use idplane_core::query::{GroupQuery, GroupSortField, Page, TextMatch};
use idplane_core::store::{GroupStore, PoolScope};

const COLUMNS: &str = "g.uid, g.pool_uid, g.name, g.description, g.precedence, g.iam_role_trn, \
     g.source, g.created_at, g.updated_at, g.member_count";

fn group_from(row: &dyn Columns) -> DomainResult<Group> {
    Ok(Group {
        uid: GroupUid::from_stored(row.text("uid")?),
        pool_uid: UserPoolUid::from_stored(row.text("pool_uid")?),
        name: row.text("name")?,
        description: row.text("description")?,
        precedence: row.int("precedence")?,
        iam_role_trn: row.text("iam_role_trn")?,
        source: row.text("source")?,
        member_count: row.int("member_count")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

/// Locks a group whose members are about to change, returning whether it exists. Its stored
/// member count (migration 0008) is updated by the change; on PostgreSQL the row is taken
/// first, before the change's other locks (the foreign key checks' KEY SHARE on the group and
/// the users, the membership rows), so two writers meet here and never each hold what the
/// other waits for. NO KEY UPDATE: a concurrent group delete still waits or wins. SQLite
/// writes one transaction at a time.
pub async fn lock_group(tx: &mut Conn, pool: &UserPoolUid, group: &GroupUid) -> DomainResult<bool> {
    let lock = format!(
        "SELECT uid FROM groups WHERE pool_uid = $1 AND uid = $2{}",
        tx.row_lock(RowLock::NoKeyUpdate)
    );
    let sql = sql!(&lock, pool.as_str(), group.as_str());
    Ok(tx.fetch_optional(sql, |_| Ok(())).await?.is_some())
}

/// Adds one member inside an open write (an existing member keeps when it joined).
pub(crate) async fn insert_member(
    tx: &mut Conn,
    pool: &UserPoolUid,
    group: &GroupUid,
    user: &UserUid,
    now: Timestamp,
) -> DomainResult<()> {
    tx.execute(sql!(
        &format!(
            "INSERT INTO group_members (group_uid, user_uid, pool_uid, created_at, \
             {MEMBER_KEY_COLUMNS}) SELECT $1, u.uid, u.pool_uid, $4, {MEMBER_KEY_VALUES} \
             FROM users u WHERE u.uid = $2 AND u.pool_uid = $3 \
             ON CONFLICT (group_uid, user_uid) DO NOTHING"
        ),
        group.as_str(),
        user.as_str(),
        pool.as_str(),
        now.millis()
    ))
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
    tx: &mut Conn,
    pool: &UserPoolUid,
    users: &[UserUid],
    joining: &[GroupUid],
) -> DomainResult<Vec<GroupUid>> {
    let mut sql = Sql::new("SELECT DISTINCT group_uid FROM group_members WHERE pool_uid = ");
    let p = sql.text_param(pool.as_str());
    let list = sql.text_list(users.iter().map(UserUid::as_str));
    sql.push(&format!("{p} AND user_uid IN ({list})"));
    let current: Vec<GroupUid> = tx
        .fetch(sql, |row| Ok(GroupUid::from_stored(row.text("group_uid")?)))
        .await?;
    let mut all: Vec<GroupUid> = current.iter().chain(joining).cloned().collect();
    all.sort();
    all.dedup();
    for g in &all {
        if !lock_group(tx, pool, g).await? && joining.contains(g) {
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
    tx: &mut Conn,
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
        tx.execute(delete).await?;
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
    tx: &mut Conn,
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
    let found: Vec<String> = tx.fetch(sql, |row| row.text("uid")).await?;
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
        self.db
            .execute(sql!(
                "INSERT INTO groups (uid, pool_uid, name, description, precedence, iam_role_trn, \
                 source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                group.uid.as_str(),
                scope.pool_uid().as_str(),
                &group.name,
                &group.description,
                group.precedence,
                &group.iam_role_trn,
                &group.source,
                group.created_at.millis(),
                group.updated_at.millis()
            ))
            .await
            .map_err(|e| write_error(e, Kind::Group))?;
        Ok(())
    }

    async fn get_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<Option<Group>> {
        let sql = sql!(
            &format!("SELECT {COLUMNS} FROM groups g WHERE g.pool_uid = $1 AND g.uid = $2"),
            scope.pool_uid().as_str(),
            uid.as_str()
        );
        Ok(self.db.fetch_optional(sql, group_from).await?)
    }

    async fn update_group(&self, scope: &PoolScope, group: &Group) -> DomainResult<()> {
        let updated = self
            .db
            .execute(sql!(
                "UPDATE groups SET name = $1, description = $2, precedence = $3, \
                 iam_role_trn = $4, updated_at = $5 WHERE pool_uid = $6 AND uid = $7",
                &group.name,
                &group.description,
                group.precedence,
                &group.iam_role_trn,
                group.updated_at.millis(),
                scope.pool_uid().as_str(),
                group.uid.as_str()
            ))
            .await
            .map_err(|e| write_error(e, Kind::Group))?;
        if updated == 0 {
            return Err(DomainError::not_found(Kind::Group, group.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_group(&self, scope: &PoolScope, uid: &GroupUid) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!(
                "DELETE FROM groups WHERE pool_uid = $1 AND uid = $2",
                scope.pool_uid().as_str(),
                uid.as_str()
            ))
            .await?;
        Ok(deleted > 0)
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
        let (items, next_token) = self
            .page(
                COLUMNS,
                "groups g",
                &filter,
                &spec,
                &query.paging,
                group_from,
            )
            .await?;
        Ok(Page {
            items,
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
        let mut tx = self.db.write().await?;
        // The group row stays locked until commit, so a concurrent delete waits or wins.
        if !lock_group(&mut tx, scope.pool_uid(), group).await? {
            return Err(DomainError::not_found(Kind::Group, group.as_str()));
        }
        ensure_users_in_pool(&mut tx, scope.pool_uid(), users).await?;
        for user in users {
            insert_member(&mut tx, scope.pool_uid(), group, user, now).await?;
        }
        Ok(tx.commit().await?)
    }

    async fn remove_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        lock_group(&mut tx, scope.pool_uid(), group).await?;
        for user in users {
            tx.execute(sql!(
                "DELETE FROM group_members WHERE pool_uid = $1 AND group_uid = $2 AND user_uid = $3",
                scope.pool_uid().as_str(),
                group.as_str(),
                user.as_str()
            ))
            .await?;
        }
        Ok(tx.commit().await?)
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
        let mut tx = self.db.write().await?;
        let joining = std::slice::from_ref(group);
        let left = lock_group_change(&mut tx, pool, users, joining).await?;
        ensure_users_in_pool(&mut tx, pool, users).await?;
        write_group_change(&mut tx, pool, users, &left, joining, now).await?;
        Ok(tx.commit().await?)
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
        let pairs = self
            .db
            .fetch(sql, |row| {
                Ok((
                    UserUid::from_stored(row.text("member_uid")?),
                    group_from(row)?,
                ))
            })
            .await?;
        Ok(pairs)
    }
}
