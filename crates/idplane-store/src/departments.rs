//! Departments: the tree kept as materialised paths, its counts, moves and members.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DepartmentError, DomainError, DomainResult, Field, Kind};
use idplane_core::ids::{DepartmentUid, UserPoolUid, UserUid};
use idplane_core::model::department::{
    DEFAULT_ROLE, DeleteOptions, Department, DepartmentMember, DepartmentView, MemberFilter,
    MemberPatch, Membership,
};
use idplane_core::query::{DepartmentQuery, DepartmentSortField, Page, TextMatch};
use idplane_core::store::{DepartmentStore, PoolScope};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{internal, write_error};
use crate::groups::ensure_users_in_pool;
use crate::memberships;
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::sql::Sql;
use crate::{Dialect, SqlStore};

/// Every character of a path sorts below `~`, so `[path, path || '~')` is its subtree.
pub(crate) const COLUMNS: &str = "d.uid, d.pool_uid, d.parent_uid, d.name, d.description, d.external_id, \
     d.source, d.precedence, d.iam_role_trn, d.path, d.name_path, d.created_at, d.updated_at, \
     (SELECT COUNT(*) FROM departments c WHERE c.parent_uid = d.uid) AS direct_children, \
     (SELECT COUNT(*) FROM department_members m WHERE m.department_uid = d.uid) AS direct_members, \
     (SELECT COUNT(DISTINCT m.user_uid) FROM department_members m \
        JOIN departments s ON s.uid = m.department_uid \
        WHERE s.pool_uid = d.pool_uid AND s.path >= d.path AND s.path < d.path || '~') AS members";

pub(crate) fn view_from(row: &AnyRow) -> Result<DepartmentView, sqlx::Error> {
    Ok(DepartmentView {
        department: Department {
            uid: DepartmentUid::from_stored(row.try_get("uid")?),
            pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
            parent_uid: row
                .try_get::<Option<String>, _>("parent_uid")?
                .map(DepartmentUid::from_stored),
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            external_id: row.try_get("external_id")?,
            source: row.try_get("source")?,
            precedence: row.try_get("precedence")?,
            iam_role_trn: row.try_get("iam_role_trn")?,
            path: row.try_get("path")?,
            name_path: row.try_get("name_path")?,
            created_at: Timestamp::from_millis(row.try_get("created_at")?),
            updated_at: Timestamp::from_millis(row.try_get("updated_at")?),
        },
        direct_children: row.try_get("direct_children")?,
        direct_members: row.try_get("direct_members")?,
        members: row.try_get("members")?,
    })
}

fn views(rows: &[AnyRow]) -> DomainResult<Vec<DepartmentView>> {
    rows.iter()
        .map(view_from)
        .collect::<Result<_, _>>()
        .map_err(internal)
}

pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Inserts a department inside an open write transaction.
pub async fn insert_department_in(tx: &mut Tx, d: &Department) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO departments (uid, pool_uid, parent_uid, name, description, external_id, source, precedence, iam_role_trn, path, name_path, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(d.uid.as_str().to_owned())
    .bind(d.pool_uid.as_str().to_owned())
    .bind(d.parent_uid.as_ref().map(|p| p.as_str().to_owned()))
    .bind(d.name.clone())
    .bind(d.description.clone())
    .bind(d.external_id.clone())
    .bind(d.source.clone())
    .bind(d.precedence)
    .bind(d.iam_role_trn.clone())
    .bind(d.path.clone())
    .bind(d.name_path.clone())
    .bind(d.created_at.millis())
    .bind(d.updated_at.millis())
    .execute(&mut **tx)
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
        let row = sql
            .query()
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(view_from).transpose().map_err(internal)
    }

    async fn lock_tree(&self, tx: &mut Tx, pool: &UserPoolUid, lock: TreeLock) -> DomainResult<()> {
        if self.dialect() == Dialect::Sqlite {
            return Ok(());
        }
        let sql = match lock {
            TreeLock::Shared => {
                "SELECT uid FROM departments WHERE pool_uid = $1 AND parent_uid IS NULL FOR SHARE"
            }
            TreeLock::Exclusive => {
                "SELECT uid FROM departments WHERE pool_uid = $1 AND parent_uid IS NULL FOR UPDATE"
            }
        };
        sqlx::query(sql)
            .bind(pool.as_str().to_owned())
            .fetch_optional(&mut **tx)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// A write that changes memberships of `departments`: the tree held shared (no move or
    /// delete runs meanwhile) and each department checked to be in the pool (`NotFound`).
    pub(crate) async fn members_write(
        &self,
        scope: &PoolScope,
        departments: &[&DepartmentUid],
    ) -> DomainResult<Tx> {
        let mut tx = self.begin_write().await.map_err(internal)?;
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
    tx: &mut Tx,
    pool: &UserPoolUid,
    uid: &DepartmentUid,
) -> DomainResult<Option<Place>> {
    let row = sqlx::query(
        "SELECT path, name_path, parent_uid FROM departments WHERE pool_uid = $1 AND uid = $2",
    )
    .bind(pool.as_str().to_owned())
    .bind(uid.as_str().to_owned())
    .fetch_optional(&mut **tx)
    .await
    .map_err(internal)?;
    row.map(|r| {
        Ok::<_, sqlx::Error>(Place {
            path: r.try_get("path")?,
            name_path: r.try_get("name_path")?,
            parent_uid: r.try_get("parent_uid")?,
        })
    })
    .transpose()
    .map_err(internal)
}

/// The parent's place, or `NotFound` naming it.
async fn parent_in(tx: &mut Tx, pool: &UserPoolUid, parent: &DepartmentUid) -> DomainResult<Place> {
    place_in(tx, pool, parent)
        .await?
        .ok_or_else(|| DomainError::not_found(Kind::Department, parent.as_str()))
}

async fn count_in(tx: &mut Tx, sql: &'static str, pool: &str, key: &str) -> DomainResult<i64> {
    let row = sqlx::query(sql)
        .bind(pool.to_owned())
        .bind(key.to_owned())
        .fetch_one(&mut **tx)
        .await
        .map_err(internal)?;
    row.try_get::<i64, _>(0).map_err(internal)
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
        let mut tx = self.begin_write().await.map_err(internal)?;
        self.lock_tree(&mut tx, pool, TreeLock::Shared).await?;
        let parent = parent_in(&mut tx, pool, parent_uid).await?;
        let mut d = d.clone();
        d.path = format!("{}{}/", parent.path, d.uid);
        d.name_path = format!("{}/{}", parent.name_path, d.name);
        insert_department_in(&mut tx, &d).await?;
        tx.commit().await.map_err(internal)?;
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
        let mut tx = self.begin_write().await.map_err(internal)?;
        self.lock_tree(&mut tx, pool, TreeLock::Exclusive).await?;
        let old = place_in(&mut tx, pool, &department.uid)
            .await?
            .ok_or_else(|| DomainError::not_found(Kind::Department, department.uid.as_str()))?;
        let mut new = department.clone();
        match (&department.parent_uid, &old.parent_uid) {
            (Some(parent_uid), Some(_)) => {
                let parent = parent_in(&mut tx, pool, parent_uid).await?;
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
        sqlx::query(
            "UPDATE departments SET parent_uid = $1, name = $2, description = $3, precedence = $4, \
             iam_role_trn = $5, path = $6, name_path = $7, updated_at = $8, external_id = $11 \
             WHERE pool_uid = $9 AND uid = $10",
        )
        .bind(new.parent_uid.as_ref().map(|p| p.as_str().to_owned()))
        .bind(new.name.clone())
        .bind(new.description.clone())
        .bind(new.precedence)
        .bind(new.iam_role_trn.clone())
        .bind(new.path.clone())
        .bind(new.name_path.clone())
        .bind(new.updated_at.millis())
        .bind(pool.as_str().to_owned())
        .bind(new.uid.as_str().to_owned())
        .bind(new.external_id.clone())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, Kind::Department))?;
        if old.path != new.path || old.name_path != new.name_path {
            // Descendants: rewrite both path prefixes at once.
            sqlx::query(
                "UPDATE departments SET \
                   path = $1 || substr(path, CAST($2 AS INTEGER)), \
                   name_path = $3 || substr(name_path, CAST($4 AS INTEGER)) \
                 WHERE pool_uid = $5 AND path > $6 AND path < $7",
            )
            .bind(new.path.clone())
            .bind(i64::try_from(old.path.chars().count() + 1).unwrap_or(i64::MAX))
            .bind(format!("{}/", new.name_path))
            .bind(i64::try_from(old.name_path.chars().count() + 2).unwrap_or(i64::MAX))
            .bind(pool.as_str().to_owned())
            .bind(old.path.clone())
            .bind(format!("{}~", old.path))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, Kind::Department))?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(new)
    }

    async fn delete_department(
        &self,
        scope: &PoolScope,
        uid: &DepartmentUid,
        options: DeleteOptions,
    ) -> DomainResult<bool> {
        let pool = scope.pool_uid();
        let mut tx = self.begin_write().await.map_err(internal)?;
        self.lock_tree(&mut tx, pool, TreeLock::Exclusive).await?;
        let Some(place) = place_in(&mut tx, pool, uid).await? else {
            return Ok(false);
        };
        if place.parent_uid.is_none() {
            return Err(DepartmentError::IsRoot.into());
        }
        let path = place.path;
        let children = count_in(
            &mut tx,
            "SELECT COUNT(*) FROM departments WHERE pool_uid = $1 AND parent_uid = $2",
            pool.as_str(),
            uid.as_str(),
        )
        .await?;
        if children > 0 && !options.force_delete_children {
            return Err(DepartmentError::HasChildren.into());
        }
        let members = count_in(
            &mut tx,
            "SELECT COUNT(*) FROM department_members m JOIN departments s ON s.uid = m.department_uid \
             WHERE s.pool_uid = $1 AND s.path >= $2 AND s.path < $2 || '~'",
            pool.as_str(),
            &path,
        )
        .await?;
        if members > 0 && !options.force_delete_members {
            let own = count_in(
                &mut tx,
                "SELECT COUNT(*) FROM department_members m JOIN departments s \
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
        let result =
            sqlx::query("DELETE FROM departments WHERE pool_uid = $1 AND path >= $2 AND path < $3")
                .bind(pool.as_str().to_owned())
                .bind(path.clone())
                .bind(format!("{path}~"))
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(result.rows_affected() > 0)
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
        let (rows, next_token) = self
            .page(COLUMNS, "departments d", &filter, &spec, &query.paging)
            .await?;
        Ok(Page {
            items: views(&rows)?,
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
        let rows = sql.query().fetch_all(&self.pool).await.map_err(internal)?;
        let base = path.matches('/').count();
        let mut all = views(&rows)?;
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
        tx.commit().await.map_err(internal)
    }

    async fn remove_department_members(
        &self,
        scope: &PoolScope,
        department: &DepartmentUid,
        users: &[UserUid],
    ) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        for user in users {
            sqlx::query(
                "DELETE FROM department_members WHERE pool_uid = $1 AND department_uid = $2 AND user_uid = $3",
            )
            .bind(scope.pool_uid().as_str().to_owned())
            .bind(department.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)
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
        tx.commit().await.map_err(internal)
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
        tx.commit().await.map_err(internal)
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
        let rows = sql.query().fetch_all(&self.pool).await.map_err(internal)?;
        views(&rows)
    }
}
