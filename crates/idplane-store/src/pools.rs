//! User pools (and the root department made with each).

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{AccountId, UserPoolUid};
use idplane_core::model::department::Department;
use idplane_core::model::pool::{PoolView, UserPool};
use idplane_core::query::{Page, PoolQuery, PoolSortField, TextMatch};
use idplane_core::store::PoolStore;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::departments::insert_department_in;
use crate::error::{internal, write_error};
use crate::paging::{KeyKind, SortSpec};
use crate::row::Columns;
use crate::sql::{Sql, flag, like_escape, prefix_upper_bound};

const COLUMNS: &str = "p.uid, p.account_id, p.name, p.description, p.project_name, p.enabled, \
     p.settings, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM users u WHERE u.pool_uid = p.uid) AS total_users, \
     (SELECT COUNT(*) FROM clients c WHERE c.pool_uid = p.uid) AS total_clients";

pub(crate) const POOL_COLUMNS: &str = "p.uid, p.account_id, p.name, p.description, p.project_name, \
     p.enabled, p.settings, p.created_at, p.updated_at";

pub(crate) fn pool_from<R: Columns + ?Sized>(row: &R) -> DomainResult<UserPool> {
    let settings = row.text("settings")?;
    Ok(UserPool {
        uid: UserPoolUid::from_stored(row.text("uid")?),
        account_id: AccountId::from_stored(row.text("account_id")?),
        name: row.text("name")?,
        description: row.text("description")?,
        project_name: row.text("project_name")?,
        enabled: flag(row.int("enabled")?),
        settings: serde_json::from_str(&settings).map_err(DomainError::internal)?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

fn view_from(row: &AnyRow) -> DomainResult<PoolView> {
    Ok(PoolView {
        pool: pool_from(row)?,
        total_users: row.try_get("total_users").map_err(internal)?,
        total_clients: row.try_get("total_clients").map_err(internal)?,
        total_connections: 0,
    })
}

/// Appends a text condition on `column` (case-sensitive, bytewise).
pub fn text_condition(sql: &mut Sql, column: &str, m: &TextMatch) {
    match m {
        TextMatch::Exact(v) => {
            let p = sql.text_param(v.clone());
            sql.push(&format!(" AND {column} = {p}"));
        }
        TextMatch::Prefix(v) => {
            let lo = sql.text_param(v.clone());
            sql.push(&format!(" AND {column} >= {lo}"));
            if let Some(hi) = prefix_upper_bound(v) {
                let hi = sql.text_param(hi);
                sql.push(&format!(" AND {column} < {hi}"));
            }
        }
        TextMatch::Contains(v) => {
            let p = sql.text_param(format!("%{}%", like_escape(&v.to_lowercase())));
            sql.push(&format!(" AND lower({column}) LIKE {p} ESCAPE '\\'"));
        }
    }
}

#[async_trait]
impl PoolStore for SqlStore {
    async fn insert_pool(&self, pool: &UserPool, root: &Department) -> DomainResult<()> {
        let settings = serde_json::to_string(&pool.settings).map_err(DomainError::internal)?;
        let mut tx = self.begin_write().await.map_err(internal)?;
        sqlx::query(
            "INSERT INTO user_pools (uid, account_id, name, description, project_name, enabled, settings, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(pool.uid.as_str().to_owned())
        .bind(pool.account_id.as_str().to_owned())
        .bind(pool.name.clone())
        .bind(pool.description.clone())
        .bind(pool.project_name.clone())
        .bind(i64::from(pool.enabled))
        .bind(settings)
        .bind(pool.created_at.millis())
        .bind(pool.updated_at.millis())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, Kind::UserPool))?;
        insert_department_in(&mut tx, root).await?;
        tx.commit().await.map_err(internal)
    }

    async fn get_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<PoolView>> {
        let sql =
            format!("SELECT {COLUMNS} FROM user_pools p WHERE p.account_id = $1 AND p.uid = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(view_from).transpose()
    }

    async fn find_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<UserPool>> {
        self.read_optional(pool_where(account, "p.uid", uid.as_str()), |row| {
            pool_from(row)
        })
        .await
    }

    async fn find_pool_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> DomainResult<Option<UserPool>> {
        self.read_optional(pool_where(account, "p.name", name), |row| pool_from(row))
            .await
    }

    async fn list_pools(
        &self,
        account: &AccountId,
        query: &PoolQuery,
    ) -> DomainResult<Page<PoolView>> {
        let mut filter = Sql::new(" WHERE p.account_id = ");
        let a = filter.text_param(account.as_str());
        filter.push(&a);
        let f = &query.filter;
        if let Some(m) = &f.name {
            text_condition(&mut filter, "p.name", m);
        }
        if let Some(d) = &f.description {
            text_condition(
                &mut filter,
                "p.description",
                &TextMatch::Contains(d.clone()),
            );
        }
        if let Some(u) = &f.uid {
            let p = filter.text_param(u.clone());
            filter.push(&format!(" AND p.uid = {p}"));
        }
        if let Some(pr) = &f.project_name {
            let p = filter.text_param(pr.clone());
            filter.push(&format!(" AND p.project_name = {p}"));
        }
        let total = self.count("user_pools p", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            PoolSortField::Name => ("p.name", KeyKind::Text),
            PoolSortField::CreateTime => ("p.created_at", KeyKind::Int),
            PoolSortField::UpdateTime => ("p.updated_at", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "p.uid",
            direction: query.sort.1,
        };
        let (rows, next_token) = self
            .page(COLUMNS, "user_pools p", &filter, &spec, &query.paging)
            .await?;
        Ok(Page {
            items: rows.iter().map(view_from).collect::<DomainResult<_>>()?,
            total,
            next_token,
        })
    }

    async fn update_pool(&self, pool: &UserPool) -> DomainResult<()> {
        let settings = serde_json::to_string(&pool.settings).map_err(DomainError::internal)?;
        let result = sqlx::query(
            "UPDATE user_pools SET name = $1, description = $2, enabled = $3, settings = $4, updated_at = $5 \
             WHERE account_id = $6 AND uid = $7",
        )
        .bind(pool.name.clone())
        .bind(pool.description.clone())
        .bind(i64::from(pool.enabled))
        .bind(settings)
        .bind(pool.updated_at.millis())
        .bind(pool.account_id.as_str().to_owned())
        .bind(pool.uid.as_str().to_owned())
        .execute(&self.pool)
        .await
        .map_err(|e| write_error(e, Kind::UserPool))?;
        if result.rows_affected() == 0 {
            return Err(DomainError::not_found(Kind::UserPool, pool.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_pool(&self, account: &AccountId, uid: &UserPoolUid) -> DomainResult<bool> {
        let result = sqlx::query("DELETE FROM user_pools WHERE account_id = $1 AND uid = $2")
            .bind(account.as_str().to_owned())
            .bind(uid.as_str().to_owned())
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(result.rows_affected() > 0)
    }
}

/// The pool of `account` whose `column` is `value`.
fn pool_where(account: &AccountId, column: &str, value: &str) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {POOL_COLUMNS} FROM user_pools p WHERE p.account_id = "
    ));
    let a = sql.text_param(account.as_str());
    let v = sql.text_param(value);
    sql.push(&format!("{a} AND {column} = {v}"));
    sql
}
