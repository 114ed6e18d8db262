//! Department memberships: a user's departments with its role in each, a department's members,
//! one membership changed, users moved between departments. A user's primary department is its
//! first membership, by when it joined and then by path; making another one primary moves its
//! join time before the others, so the order is the one rule everywhere.

use std::collections::HashMap;

use crate::SqlStore;
use crate::backend::Conn;
use crate::departments::{COLUMNS, view_from};
use crate::error::member_error;
use crate::sql::{Sql, sql};
use idplane_core::clock::Timestamp;
use idplane_core::error::{DepartmentError, DomainError, DomainResult, Kind};
use idplane_core::ids::{DepartmentUid, UserPoolUid, UserUid};
use idplane_core::model::department::{
    DEFAULT_ROLE, DepartmentMember, MemberFilter, MemberPatch, Membership,
};
use idplane_core::query::Page;
use idplane_core::store::PoolScope;

/// True (1) when membership `dm` (of department `d`) is its user's first: no other membership
/// of the user joined earlier, or at the same time in a department earlier by path.
const IS_PRIMARY: &str = "CASE WHEN NOT EXISTS (SELECT 1 FROM department_members o \
     JOIN departments od ON od.uid = o.department_uid \
     WHERE o.pool_uid = dm.pool_uid AND o.user_uid = dm.user_uid \
     AND (o.created_at < dm.created_at OR (o.created_at = dm.created_at AND od.path < d.path))) \
     THEN 1 ELSE 0 END";

/// Every membership of `users`, by user, then primary first.
pub async fn of_users(
    store: &SqlStore,
    scope: &PoolScope,
    users: &[UserUid],
) -> DomainResult<Vec<(UserUid, Membership)>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT dm.user_uid AS member_uid, dm.role AS member_role, {COLUMNS} FROM departments d \
         JOIN department_members dm ON dm.department_uid = d.uid WHERE d.pool_uid = "
    ));
    let p = sql.text_param(scope.pool_uid().as_str());
    let list = sql.text_list(users.iter().map(UserUid::as_str));
    sql.push(&format!(
        "{p} AND dm.pool_uid = {p} AND dm.user_uid IN ({list}) \
         ORDER BY dm.user_uid, dm.created_at, d.path"
    ));
    let pairs = store
        .db
        .fetch(sql, |row| {
            let user = UserUid::from_stored(row.text("member_uid")?);
            let membership = Membership {
                view: view_from(row)?,
                role: row.text("member_role")?,
            };
            Ok((user, membership))
        })
        .await?;
    Ok(pairs)
}

/// The members of one department matching `filter`, as `WHERE` text over `dm` and `d`.
fn member_filter(sql: &mut Sql, scope: &PoolScope, department: &DepartmentUid, f: &MemberFilter) {
    let p = sql.text_param(scope.pool_uid().as_str());
    let d = sql.text_param(department.as_str());
    sql.push(&format!(
        " WHERE dm.pool_uid = {p} AND dm.department_uid = {d}"
    ));
    if let Some(role) = &f.role {
        let r = sql.text_param(role.as_str());
        sql.push(&format!(" AND dm.role = {r}"));
    }
    if let Some(primary) = f.is_primary {
        sql.push(&format!(" AND ({IS_PRIMARY}) = {}", i64::from(primary)));
    }
}

/// One page of a department's members, by when they joined, and the total under `filter`.
pub async fn page(
    store: &SqlStore,
    scope: &PoolScope,
    department: &DepartmentUid,
    filter: &MemberFilter,
    number: u32,
    size: u32,
) -> DomainResult<Page<DepartmentMember>> {
    const FROM: &str =
        " FROM department_members dm JOIN departments d ON d.uid = dm.department_uid";
    let mut count = Sql::new(&format!("SELECT COUNT(*) AS n{FROM}"));
    member_filter(&mut count, scope, department, filter);
    let total = store.db.fetch_one(count, |row| row.int("n")).await?;
    let mut sql = Sql::new(&format!(
        "SELECT dm.user_uid, dm.role, {IS_PRIMARY} AS is_primary{FROM}"
    ));
    member_filter(&mut sql, scope, department, filter);
    let limit = sql.int_param(i64::from(size));
    let offset = sql.int_param(i64::from(number.saturating_sub(1)) * i64::from(size));
    sql.push(&format!(
        " ORDER BY dm.created_at, dm.user_uid LIMIT {limit} OFFSET {offset}"
    ));
    let items = store
        .db
        .fetch(sql, |row| {
            Ok(DepartmentMember {
                user_uid: UserUid::from_stored(row.text("user_uid")?),
                role: row.text("role")?,
                is_primary: row.int("is_primary")? == 1,
            })
        })
        .await?;
    Ok(Page {
        items,
        total,
        next_token: None,
    })
}

/// When each of the user's memberships began, by department.
async fn join_times(
    tx: &mut Conn,
    pool: &UserPoolUid,
    user: &UserUid,
) -> DomainResult<HashMap<String, i64>> {
    let sql = sql!(
        "SELECT department_uid, created_at FROM department_members \
         WHERE pool_uid = $1 AND user_uid = $2",
        pool.as_str(),
        user.as_str()
    );
    let times = tx
        .fetch(sql, |row| {
            Ok((row.text("department_uid")?, row.int("created_at")?))
        })
        .await?;
    Ok(times.into_iter().collect())
}

/// Changes one membership inside an open write.
pub async fn update(
    tx: &mut Conn,
    pool: &UserPoolUid,
    department: &DepartmentUid,
    user: &UserUid,
    patch: &MemberPatch,
) -> DomainResult<()> {
    let times = join_times(tx, pool, user).await?;
    let Some(&own) = times.get(department.as_str()) else {
        return Err(DomainError::not_found(Kind::User, user.as_str()));
    };
    let others: Vec<i64> = times
        .iter()
        .filter(|(d, _)| d.as_str() != department.as_str())
        .map(|(_, t)| *t)
        .collect();
    let (first, last) = (others.iter().min().copied(), others.iter().max().copied());
    // Primary now: no other membership began before (a tie is settled by path, so a tie is
    // moved too, to be sure).
    let primary = first.is_none_or(|m| own <= m);
    let joined = match (patch.is_primary, first, last) {
        (Some(true), Some(m), _) if own >= m => Some(m - 1),
        (Some(false), None, _) => {
            return Err(DepartmentError::OnlyDepartment {
                user: user.as_str().to_owned(),
                department: department.as_str().to_owned(),
            }
            .into());
        }
        (Some(false), _, Some(m)) if primary => Some(m + 1),
        _ => None,
    };
    let mut sql = Sql::new("UPDATE department_members SET ");
    let mut sets = Vec::new();
    if let Some(at) = joined {
        sets.push(format!("created_at = {}", sql.int_param(at)));
    }
    if let Some(role) = &patch.role {
        sets.push(format!("role = {}", sql.text_param(role.as_str())));
    }
    if sets.is_empty() {
        return Ok(());
    }
    let p = sql.text_param(pool.as_str());
    let d = sql.text_param(department.as_str());
    let u = sql.text_param(user.as_str());
    sql.push(&format!(
        "{} WHERE pool_uid = {p} AND department_uid = {d} AND user_uid = {u}",
        sets.join(", ")
    ));
    tx.execute(sql).await?;
    Ok(())
}

/// Moves `users` from `from` to `to` inside an open write (both departments checked by the
/// caller): each keeps when it joined and its role (the earlier time, and the role in `to`, for
/// a user already there). `Conflict` naming the first user not in `from`.
pub async fn move_members(
    tx: &mut Conn,
    pool: &UserPoolUid,
    from: &DepartmentUid,
    to: &DepartmentUid,
    users: &[UserUid],
) -> DomainResult<()> {
    let mut sql =
        Sql::new("SELECT user_uid, created_at, role FROM department_members WHERE pool_uid = ");
    let p = sql.text_param(pool.as_str());
    let d = sql.text_param(from.as_str());
    let list = sql.text_list(users.iter().map(UserUid::as_str));
    sql.push(&format!(
        "{p} AND department_uid = {d} AND user_uid IN ({list})"
    ));
    let joined: HashMap<String, (i64, String)> = tx
        .fetch(sql, |row| {
            Ok((
                row.text("user_uid")?,
                (row.int("created_at")?, row.text("role")?),
            ))
        })
        .await?
        .into_iter()
        .collect();
    if let Some(outsider) = users.iter().find(|u| !joined.contains_key(u.as_str())) {
        return Err(DepartmentError::NotAMember {
            user: outsider.as_str().to_owned(),
            department: from.as_str().to_owned(),
        }
        .into());
    }
    for user in users {
        let Some((at, role)) = joined.get(user.as_str()) else {
            continue;
        };
        tx.execute(sql!(
            "INSERT INTO department_members (department_uid, user_uid, pool_uid, created_at, role) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (department_uid, user_uid) DO UPDATE SET \
             created_at = CASE WHEN excluded.created_at < department_members.created_at \
             THEN excluded.created_at ELSE department_members.created_at END",
            to.as_str(),
            user.as_str(),
            pool.as_str(),
            *at,
            role
        ))
        .await
        .map_err(|e| member_error(e, user.as_str()))?;
    }
    let mut delete = Sql::new("DELETE FROM department_members WHERE pool_uid = ");
    let p = delete.text_param(pool.as_str());
    let d = delete.text_param(from.as_str());
    let list = delete.text_list(users.iter().map(UserUid::as_str));
    delete.push(&format!(
        "{p} AND department_uid = {d} AND user_uid IN ({list})"
    ));
    tx.execute(delete).await?;
    Ok(())
}

/// Makes `departments` the user's memberships inside an open write (each checked by the
/// caller): the first is primary (they join one millisecond apart, in order); a department the
/// user stays in keeps its role.
pub async fn replace_departments(
    tx: &mut Conn,
    pool: &UserPoolUid,
    user: &UserUid,
    departments: &[DepartmentUid],
    now: Timestamp,
) -> DomainResult<()> {
    let sql = sql!(
        "SELECT department_uid, role FROM department_members WHERE pool_uid = $1 AND user_uid = $2",
        pool.as_str(),
        user.as_str()
    );
    let roles: HashMap<String, String> = tx
        .fetch(sql, |row| {
            Ok((row.text("department_uid")?, row.text("role")?))
        })
        .await?
        .into_iter()
        .collect();
    tx.execute(sql!(
        "DELETE FROM department_members WHERE pool_uid = $1 AND user_uid = $2",
        pool.as_str(),
        user.as_str()
    ))
    .await?;
    join_in_order(tx, pool, user, departments, now, &roles).await
}

/// The user joins `departments` inside an open write (each checked by the caller), one
/// millisecond apart from `now` in the order given, so the first is its primary one; a
/// department named in `roles` gets that role, the others the default. A membership the user
/// already has is kept as it is.
pub async fn join_in_order(
    tx: &mut Conn,
    pool: &UserPoolUid,
    user: &UserUid,
    departments: &[DepartmentUid],
    now: Timestamp,
    roles: &HashMap<String, String>,
) -> DomainResult<()> {
    for (i, d) in departments.iter().enumerate() {
        let joined = now.millis() + i64::try_from(i).unwrap_or(i64::MAX);
        let role = roles.get(d.as_str()).map_or(DEFAULT_ROLE, String::as_str);
        insert_member(tx, pool, d, user, joined, role).await?;
    }
    Ok(())
}

/// Adds one membership inside an open write; an existing one is kept as it is.
pub async fn insert_member(
    tx: &mut Conn,
    pool: &UserPoolUid,
    department: &DepartmentUid,
    user: &UserUid,
    joined: i64,
    role: &str,
) -> DomainResult<()> {
    tx.execute(sql!(
        "INSERT INTO department_members (department_uid, user_uid, pool_uid, created_at, role) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (department_uid, user_uid) DO NOTHING",
        department.as_str(),
        user.as_str(),
        pool.as_str(),
        joined,
        role
    ))
    .await
    .map_err(|e| member_error(e, user.as_str()))?;
    Ok(())
}
