//! User pools (and the root department made with each).

use crate::SqlStore;
use crate::departments::insert_department_in;
use crate::error::write_error;
use crate::paging::{KeyKind, SortSpec};
use crate::row::Columns;
use crate::sql::{Sql, flag, like_escape, prefix_upper_bound, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{AccountId, UserPoolUid};
use idplane_core::model::department::Department;
use idplane_core::model::pool::{PoolView, UserPool};
use idplane_core::query::{Page, PoolQuery, PoolSortField, TextMatch};
use idplane_core::store::PoolStore;

const COLUMNS: &str = "p.uid, p.account_id, p.name, p.description, p.project_name, p.enabled, \
     p.settings, p.created_at, p.updated_at, \
     (SELECT COUNT(*) FROM users u WHERE u.pool_uid = p.uid) AS total_users, \
     (SELECT COUNT(*) FROM clients c WHERE c.pool_uid = p.uid) AS total_clients";

pub(crate) const POOL_COLUMNS: &str = "p.uid, p.account_id, p.name, p.description, p.project_name, \
     p.enabled, p.settings, p.created_at, p.updated_at";

pub(crate) fn pool_from(row: &dyn Columns) -> DomainResult<UserPool> {
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

fn view_from(row: &dyn Columns) -> DomainResult<PoolView> {
    Ok(PoolView {
        pool: pool_from(row)?,
        total_users: row.int("total_users")?,
        total_clients: row.int("total_clients")?,
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
        let mut tx = self.db.write().await?;
        tx.execute(sql!(
            "INSERT INTO user_pools (uid, account_id, name, description, project_name, enabled, \
             settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            pool.uid.as_str(),
            pool.account_id.as_str(),
            &pool.name,
            &pool.description,
            &pool.project_name,
            pool.enabled,
            settings,
            pool.created_at.millis(),
            pool.updated_at.millis()
        ))
        .await
        .map_err(|e| write_error(e, Kind::UserPool))?;
        insert_department_in(&mut tx, root).await?;
        Ok(tx.commit().await?)
    }

    async fn get_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<PoolView>> {
        let sql = sql!(
            &format!("SELECT {COLUMNS} FROM user_pools p WHERE p.account_id = $1 AND p.uid = $2"),
            account.as_str(),
            uid.as_str()
        );
        Ok(self.db.fetch_optional(sql, view_from).await?)
    }

    async fn find_pool(
        &self,
        account: &AccountId,
        uid: &UserPoolUid,
    ) -> DomainResult<Option<UserPool>> {
        let sql = pool_where(account, "p.uid", uid.as_str());
        Ok(self.db.fetch_optional(sql, pool_from).await?)
    }

    async fn find_pool_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> DomainResult<Option<UserPool>> {
        let sql = pool_where(account, "p.name", name);
        Ok(self.db.fetch_optional(sql, pool_from).await?)
    }

    async fn pool_by_uid(&self, uid: &UserPoolUid) -> DomainResult<Option<UserPool>> {
        let sql = format!("SELECT {POOL_COLUMNS} FROM user_pools p WHERE p.uid = $1");
        Ok(self
            .db
            .fetch_optional(sql!(&sql, uid.as_str()), pool_from)
            .await?)
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
        let (items, next_token) = self
            .page(
                COLUMNS,
                "user_pools p",
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

    async fn update_pool(&self, pool: &UserPool) -> DomainResult<()> {
        let settings = serde_json::to_string(&pool.settings).map_err(DomainError::internal)?;
        let updated = self
            .db
            .execute(sql!(
                "UPDATE user_pools SET name = $1, description = $2, enabled = $3, settings = $4, \
                 updated_at = $5 WHERE account_id = $6 AND uid = $7",
                &pool.name,
                &pool.description,
                pool.enabled,
                settings,
                pool.updated_at.millis(),
                pool.account_id.as_str(),
                pool.uid.as_str()
            ))
            .await
            .map_err(|e| write_error(e, Kind::UserPool))?;
        if updated == 0 {
            return Err(DomainError::not_found(Kind::UserPool, pool.uid.as_str()));
        }
        Ok(())
    }

    async fn delete_pool(&self, account: &AccountId, uid: &UserPoolUid) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!(
                "DELETE FROM user_pools WHERE account_id = $1 AND uid = $2",
                account.as_str(),
                uid.as_str()
            ))
            .await?;
        Ok(deleted > 0)
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
