//! Departments: the tree kept as materialised paths, its counts, moves and members.

use crate::SqlStore;
use crate::backend::{Conn, RowLock};
use crate::error::write_error;
use crate::groups::ensure_users_in_pool;
use crate::memberships;
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DepartmentError, DomainError, DomainResult, Field, Kind};
use idplane_core::ids::{DepartmentUid, UserPoolUid, UserUid};
use idplane_core::model::department::{
    DEFAULT_ROLE, DeleteOptions, Department, DepartmentChange, DepartmentMember, DepartmentView,
    MemberFilter, MemberPatch, Membership,
};
use idplane_core::query::{DepartmentQuery, DepartmentSortField, Page, TextMatch};
use idplane_core::store::{DepartmentStore, PoolScope};

/// Every character of a path sorts below `~`, so `[path, path || '~')` is its subtree.
pub(crate) const COLUMNS: &str = "d.uid, d.pool_uid, d.parent_uid, d.name, d.description, d.external_id, \
     d.source, d.precedence, d.iam_role_trn, d.path, d.name_path, d.created_at, d.updated_at, \
     (SELECT COUNT(*) FROM departments c WHERE c.parent_uid = d.uid) AS direct_children, \
     (SELECT COUNT(*) FROM department_members m WHERE m.department_uid = d.uid) AS direct_members, \
     (SELECT COUNT(DISTINCT m.user_uid) FROM department_members m \
        JOIN departments s ON s.uid = m.department_uid \
        WHERE s.pool_uid = d.pool_uid AND s.path >= d.path AND s.path < d.path || '~') AS members";

pub(crate) fn view_from(row: &dyn Columns) -> DomainResult<DepartmentView> {
    Ok(DepartmentView {
        department: Department {
            uid: DepartmentUid::from_stored(row.text("uid")?),
            pool_uid: UserPoolUid::from_stored(row.text("pool_uid")?),
            parent_uid: row.opt_text("parent_uid")?.map(DepartmentUid::from_stored),
            name: row.text("name")?,
            description: row.text("description")?,
            external_id: row.text("external_id")?,
            source: row.text("source")?,
            precedence: row.int("precedence")?,
            iam_role_trn: row.text("iam_role_trn")?,
            path: row.text("path")?,
            name_path: row.text("name_path")?,
            created_at: Timestamp::from_millis(row.int("created_at")?),
            updated_at: Timestamp::from_millis(row.int("updated_at")?),
        },
        direct_children: row.int("direct_children")?,
        direct_members: row.int("direct_members")?,
        members: row.int("members")?,
    })
}

/// Inserts a department inside an open write transaction.
pub async fn insert_department_in(tx: &mut Conn, d: &Department) -> DomainResult<()> {
    tx.execute(sql!(
        "INSERT INTO departments (uid, pool_uid, parent_uid, name, description, external_id, \
         source, precedence, iam_role_trn, path, name_path, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        d.uid.as_str(),
        d.pool_uid.as_str(),
        d.parent_uid.as_ref().map(DepartmentUid::as_str),
        &d.name,
        &d.description,
        &d.external_id,
        &d.source,
        d.precedence,
        &d.iam_role_trn,
        &d.path,
        &d.name_path,
        d.created_at.millis(),
        d.updated_at.millis()
    ))
    .await
    .map_err(|e| write_error(e, Kind::Department))?;
    Ok(())
}

/// Where a department sits, as read inside a write transaction.
struct Place {
    path: String,
    name_path: String,
    parent_uid: Option<String>,
}

/// How a write holds the pool's department tree until it commits: changes inside one department
/// (a new child, members) share it; moves and deletes hold it alone. SQLite's `BEGIN IMMEDIATE`
/// already runs one writer at a time; PostgreSQL locks the pool's root department row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TreeLock {
    Shared,
    Exclusive,
}

impl SqlStore {
    async fn one_department(&self, sql: Sql) -> DomainResult<Option<DepartmentView>> {
        Ok(self.db.fetch_optional(sql, view_from).await?)
    }

    async fn lock_tree(
        &self,
        tx: &mut Conn,
        pool: &UserPoolUid,
        lock: TreeLock,
    ) -> DomainResult<()> {
        if !tx.locks_rows() {
            return Ok(());
        }
        let lock = match lock {
            TreeLock::Shared => RowLock::Share,
            TreeLock::Exclusive => RowLock::Update,
        };
        let text = format!(
            "SELECT uid FROM departments WHERE pool_uid = $1 AND parent_uid IS NULL{}",
            tx.row_lock(lock)
        );
        tx.fetch_optional(sql!(&text, pool.as_str()), |_| Ok(()))
            .await?;
        Ok(())
    }

    /// A write that changes memberships of `departments`: the tree held shared (no move or
    /// delete runs meanwhile) and each department checked to be in the pool (`NotFound`).
    pub(crate) async fn members_write(
        &self,
        scope: &PoolScope,
        departments: &[&DepartmentUid],
    ) -> DomainResult<Conn> {
        let mut tx = self.db.write().await?;
        self.lock_tree(&mut tx, scope.pool_uid(), TreeLock::Shared)
            .await?;
        for department in departments {
            if place_in(&mut tx, scope.pool_uid(), department)
                .await?
                .is_none()
            {
                return Err(DomainError::not_found(
                    Kind::Department,
                    department.as_str(),
                ));
            }
        }
        Ok(tx)
    }
}

async fn place_in(
    tx: &mut Conn,
    pool: &UserPoolUid,
    uid: &DepartmentUid,
) -> DomainResult<Option<Place>> {
    let sql = sql!(
        "SELECT path, name_path, parent_uid FROM departments WHERE pool_uid = $1 AND uid = $2",
        pool.as_str(),
        uid.as_str()
    );
    let place = tx
        .fetch_optional(sql, |row| {
            Ok(Place {
                path: row.text("path")?,
                name_path: row.text("name_path")?,
                parent_uid: row.opt_text("parent_uid")?,
            })
        })
        .await?;
    Ok(place)
}

/// The parent's place, or `NotFound` naming it.
async fn parent_in(
    tx: &mut Conn,
    pool: &UserPoolUid,
    parent: &DepartmentUid,
) -> DomainResult<Place> {
    place_in(tx, pool, parent)
        .await?
        .ok_or_else(|| DomainError::not_found(Kind::Department, parent.as_str()))
}

/// `sql` counts (`n`) by a pool and a key.
async fn count_in(tx: &mut Conn, sql: &'static str, pool: &str, key: &str) -> DomainResult<i64> {
    Ok(tx
        .fetch_one(sql!(sql, pool, key), |row| row.int("n"))
        .await?)
}

/// Inserts `d` under `parent` (in a transaction holding the tree), its paths from the parent's.
async fn insert_in(
    tx: &mut Conn,
    pool: &UserPoolUid,
    parent: &DepartmentUid,
    d: &Department,
) -> DomainResult<Department> {
    let parent = parent_in(tx, pool, parent).await?;
    let mut d = d.clone();
    d.path = format!("{}{}/", parent.path, d.uid);
    d.name_path = format!("{}/{}", parent.name_path, d.name);
    insert_department_in(tx, &d).await?;
    Ok(d)
}

/// Writes `department` back (in a transaction holding the tree exclusively), moving its
/// subtree's paths with it.
async fn update_in(
    tx: &mut Conn,
    pool: &UserPoolUid,
    department: &Department,
) -> DomainResult<Department> {
    let old = place_in(tx, pool, &department.uid)
        .await?
        .ok_or_else(|| DomainError::not_found(Kind::Department, department.uid.as_str()))?;
    let mut new = department.clone();
    match (&department.parent_uid, &old.parent_uid) {
        (Some(parent_uid), Some(_)) => {
            let parent = parent_in(tx, pool, parent_uid).await?;
            if parent.path.starts_with(&old.path) {
                return Err(DomainError::invalid(
                    Field::ParentDepartment,
                    "a department cannot move under itself or its own descendants",
                ));
            }
            new.path = format!("{}{}/", parent.path, new.uid);
            new.name_path = format!("{}/{}", parent.name_path, new.name);
        }
        (None, None) => {
            new.path.clone_from(&old.path);
            new.name_path.clone_from(&new.name);
        }
        _ => {
            return Err(DomainError::invalid(
                Field::ParentDepartment,
                "the root department cannot be moved",
            ));
        }
    }
    tx.execute(sql!(
        "UPDATE departments SET parent_uid = $1, name = $2, description = $3, precedence = $4, \
         iam_role_trn = $5, path = $6, name_path = $7, updated_at = $8, external_id = $11 \
         WHERE pool_uid = $9 AND uid = $10",
        new.parent_uid.as_ref().map(DepartmentUid::as_str),
        &new.name,
        &new.description,
        new.precedence,
        &new.iam_role_trn,
        &new.path,
        &new.name_path,
        new.updated_at.millis(),
        pool.as_str(),
        new.uid.as_str(),
        &new.external_id
    ))
    .await
    .map_err(|e| write_error(e, Kind::Department))?;
    if old.path != new.path || old.name_path != new.name_path {
        // Descendants: rewrite both path prefixes at once.
        tx.execute(sql!(
            "UPDATE departments SET \
               path = $1 || substr(path, CAST($2 AS INTEGER)), \
               name_path = $3 || substr(name_path, CAST($4 AS INTEGER)) \
             WHERE pool_uid = $5 AND path > $6 AND path < $7",
            &new.path,
            i64::try_from(old.path.chars().count() + 1).unwrap_or(i64::MAX),
            format!("{}/", new.name_path),
            i64::try_from(old.name_path.chars().count() + 2).unwrap_or(i64::MAX),
            pool.as_str(),
            &old.path,
            format!("{}~", old.path)
        ))
        .await
        .map_err(|e| write_error(e, Kind::Department))?;
    }
    Ok(new)
}

/// Deletes a department and its subtree unless `options` keep it (in a transaction holding
/// the tree exclusively); whether it existed.
async fn delete_in(
    tx: &mut Conn,
    pool: &UserPoolUid,
    uid: &DepartmentUid,
    options: DeleteOptions,
) -> DomainResult<bool> {
    let Some(place) = place_in(tx, pool, uid).await? else {
        return Ok(false);
    };
    if place.parent_uid.is_none() {
        return Err(DepartmentError::IsRoot.into());
    }
    let path = place.path;
    let children = count_in(
        tx,
        "SELECT COUNT(*) AS n FROM departments WHERE pool_uid = $1 AND parent_uid = $2",
        pool.as_str(),
        uid.as_str(),
    )
    .await?;
    if children > 0 && !options.force_delete_children {
        return Err(DepartmentError::HasChildren.into());
    }
    let members = count_in(
        tx,
        "SELECT COUNT(*) AS n FROM department_members m \
         JOIN departments s ON s.uid = m.department_uid \
         WHERE s.pool_uid = $1 AND s.path >= $2 AND s.path < $2 || '~'",
        pool.as_str(),
        &path,
    )
    .await?;
    if members > 0 && !options.force_delete_members {
        let own = count_in(
            tx,
            "SELECT COUNT(*) AS n FROM department_members m JOIN departments s \
             ON s.uid = m.department_uid WHERE s.pool_uid = $1 AND s.uid = $2",
            pool.as_str(),
            uid.as_str(),
        )
        .await?;
        return Err(if own > 0 {
            DepartmentError::HasMembers
        } else {
            DepartmentError::DescendantsHaveMembers
        }
        .into());
    }
    // The whole subtree, by path; memberships go with it, users stay.
    let deleted = tx
        .execute(sql!(
            "DELETE FROM departments WHERE pool_uid = $1 AND path >= $2 AND path < $3",
            pool.as_str(),
            &path,
            format!("{path}~")
        ))
        .await?;
    Ok(deleted > 0)
}

#[async_trait]
impl DepartmentStore for SqlStore {
    async fn insert_department(
        &self,
        scope: &PoolScope,
        d: &Department,
    ) -> DomainResult<Department> {
        let pool = scope.pool_uid();
        if d.pool_uid != *pool {
            return Err(DomainError::internal("a department outside its scope"));
        }
        let Some(parent_uid) = &d.parent_uid else {
            return Err(DomainError::internal("a second root department"));
        };
        let mut tx = self.db.write().await?;
        self.lock_tree(&mut tx, pool, TreeLock::Shared).await?;
        let d = insert_in(&mut tx, pool, parent_uid, d).await?;
        tx.commit().await?;
        Ok(d)
    }

    async fn get_department(
        &self,
        scope: &PoolScope,
        uid: &DepartmentUid,
    ) -> DomainResult<Option<DepartmentView>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM departments d WHERE d.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        let u = sql.text_param(uid.as_str());
        sql.push(&format!("{p} AND d.uid = {u}"));
        self.one_department(sql).await
    }

    async fn root_department(&self, scope: &PoolScope) -> DomainResult<Option<DepartmentView>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM departments d WHERE d.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        sql.push(&format!("{p} AND d.parent_uid IS NULL"));
        self.one_department(sql).await
    }

    async fn update_department(
        &self,
        scope: &PoolScope,
        department: &Department,
    ) -> DomainResult<Department> {
        let pool = scope.pool_uid();
        let mut tx = self.db.write().await?;
        self.lock_tree(&mut tx, pool, TreeLock::Exclusive).await?;
        let new = update_in(&mut tx, pool, department).await?;
        tx.commit().await?;
        Ok(new)
    }

    async fn delete_department(
        &self,
        scope: &PoolScope,
        uid: &DepartmentUid,
        options: DeleteOptions,
    ) -> DomainResult<bool> {
        let pool = scope.pool_uid();
        let mut tx = self.db.write().await?;
        self.lock_tree(&mut tx, pool, TreeLock::Exclusive).await?;
        let deleted = delete_in(&mut tx, pool, uid, options).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    async fn query_departments(
        &self,
        scope: &PoolScope,
        query: &DepartmentQuery,
    ) -> DomainResult<Page<DepartmentView>> {
        let mut filter = Sql::new(" WHERE d.pool_uid = ");
        let p = filter.text_param(scope.pool_uid().as_str());
        filter.push(&p);
        let f = &query.filter;
        if let Some(parent) = &f.parent {
            let p = filter.text_param(parent.as_str());
            filter.push(&format!(" AND d.parent_uid = {p}"));
        }
        if let Some(uid) = &f.uid {
            let p = filter.text_param(uid.as_str());
            filter.push(&format!(" AND d.uid = {p}"));
        }
        if let Some(m) = &f.name {
            text_condition(&mut filter, "d.name", m);
        }
        if let Some(v) = &f.description {
            text_condition(
                &mut filter,
                "d.description",
                &TextMatch::Contains(v.clone()),
            );
        }
        if let Some(v) = &f.external_id {
            text_condition(&mut filter, "d.external_id", &TextMatch::Exact(v.clone()));
        }
        if let Some(v) = &f.source {
            text_condition(&mut filter, "d.source", &TextMatch::Exact(v.clone()));
        }
        let total = self.count("departments d", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            DepartmentSortField::Name => ("d.name", KeyKind::Text),
            DepartmentSortField::CreateTime => ("d.created_at", KeyKind::Int),
            DepartmentSortField::UpdateTime => ("d.updated_at", KeyKind::Int),
            DepartmentSortField::Precedence => ("d.precedence", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "d.uid",
            direction: query.sort.1,
        };
        let (items, next_token) = self
            .page(
                COLUMNS,
                "departments d",
                &filter,
                &spec,
                &query.paging,
                view_from,
            )
            .await?;
        Ok(Page {
            items,
            total,
            next_token,
        })
    }

    async fn subtree(
        &self,
        scope: &PoolScope,
        path: &str,
        max_depth: Option<u32>,
    ) -> DomainResult<Vec<DepartmentView>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM departments d WHERE d.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        let lo = sql.text_param(path);
        let hi = sql.text_param(format!("{path}~"));
        sql.push(&format!(
            "{p} AND d.path >= {lo} AND d.path < {hi} ORDER BY d.path"
        ));
        let base = path.matches('/').count();
        let mut all = self.db.fetch(sql, view_from).await?;
        if let Some(depth) = max_depth {
            all.retain(|v| v.department.path.matches('/').count() - base <= depth as usize);
        }
        Ok(all)
    }

    async fn add_department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()> {
        let mut tx = self.members_write(scope, &[department]).await?;
        ensure_users_in_pool(&mut tx, scope.pool_uid(), users).await?;
        for user in users {
            memberships::insert_member(
                &mut tx,
                scope.pool_uid(),
                department,
                user,
                now.millis(),
                DEFAULT_ROLE,
            )
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn remove_department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        for user in users {
            tx.execute(sql!(
                "DELETE FROM department_members WHERE pool_uid = $1 AND department_uid = $2 \
                 AND user_uid = $3",
                scope.pool_uid().as_str(),
                department.as_str(),
                user.as_str()
            ))
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn departments_of_user(
        &self,
        scope: &PoolScope,
        user: &UserUid,
    ) -> DomainResult<Vec<Membership>> {
        let pairs = memberships::of_users(self, scope, std::slice::from_ref(user)).await?;
        Ok(pairs.into_iter().map(|(_, m)| m).collect())
    }

    async fn departments_of_users(
        &self,
        scope: &PoolScope,
        users: &[UserUid],
    ) -> DomainResult<Vec<(UserUid, Membership)>> {
        memberships::of_users(self, scope, users).await
    }

    async fn move_department_members(
        &self,
        scope: &PoolScope,
        from: &DepartmentUid,
        to: &DepartmentUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        if users.is_empty() || from == to {
            return Ok(());
        }
        let mut tx = self.members_write(scope, &[from, to]).await?;
        memberships::move_members(&mut tx, scope.pool_uid(), from, to, users).await?;
        Ok(tx.commit().await?)
    }

    async fn department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        filter: &MemberFilter,
        number: u32,
        size: u32,
    ) -> DomainResult<Page<DepartmentMember>> {
        memberships::page(self, scope, department, filter, number, size).await
    }

    async fn update_department_member(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        user: &UserUid,
        patch: &MemberPatch,
    ) -> DomainResult<()> {
        let mut tx = self.members_write(scope, &[department]).await?;
        memberships::update(&mut tx, scope.pool_uid(), department, user, patch).await?;
        Ok(tx.commit().await?)
    }

    async fn departments_by_uid(
        &self,
        scope: &PoolScope,
        uids: &[DepartmentUid],
    ) -> DomainResult<Vec<DepartmentView>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM departments d WHERE d.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        let list = sql.text_list(uids.iter().map(DepartmentUid::as_str));
        sql.push(&format!("{p} AND d.uid IN ({list}) ORDER BY d.path"));
        Ok(self.db.fetch(sql, view_from).await?)
    }

    async fn apply_departments(
        &self,
        scope: &PoolScope,
        changes: &[DepartmentChange],
    ) -> DomainResult<()> {
        let pool = scope.pool_uid();
        let mut tx = self.db.write().await?;
        self.lock_tree(&mut tx, pool, TreeLock::Exclusive).await?;
        for change in changes {
            match change {
                DepartmentChange::Create { parent, department } => {
                    insert_in(&mut tx, pool, parent, department).await?;
                }
                DepartmentChange::Update(department) => {
                    update_in(&mut tx, pool, department).await?;
                }
                DepartmentChange::Delete(uid) => {
                    if !delete_in(&mut tx, pool, uid, DeleteOptions::default()).await? {
                        return Err(DomainError::not_found(Kind::Department, uid.as_str()));
                    }
                }
            }
        }
        Ok(tx.commit().await?)
    }

    async fn departments_by_external_id(
        &self,
        scope: &PoolScope,
        source: &str,
        external_ids: &[&str],
    ) -> DomainResult<Vec<DepartmentView>> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM departments d WHERE d.pool_uid = "
        ));
        let p = sql.text_param(scope.pool_uid().as_str());
        let s = sql.text_param(source);
        let list = sql.text_list(external_ids.iter().copied());
        sql.push(&format!(
            "{p} AND d.source = {s} AND d.external_id IN ({list}) ORDER BY d.path"
        ));
        Ok(self.db.fetch(sql, view_from).await?)
    }
}
