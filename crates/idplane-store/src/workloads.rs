//! Workload pools and their tags.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{AccountId, WorkloadPoolId};
use idplane_core::model::pool::Tag;
use idplane_core::model::workload::WorkloadPool;
use idplane_core::query::{Page, WorkloadPoolQuery, WorkloadPoolSortField};
use idplane_core::store::WorkloadStore;

use crate::SqlStore;
use crate::backend::Conn;
use crate::error::write_error;
use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::row::Columns;
use crate::sql::{Sql, flag, sql};

/// Separates a tag's key from its value, and one tag from the next, in `tags` (stored text
/// holds no control characters: they are refused on input).
const KEY_END: char = '\u{1f}';
const TAG_END: char = '\u{1e}';

fn columns() -> String {
    format!(
        "w.id, w.account_id, w.name, w.description, w.project_name, \
         w.allow_auto_create_identity, w.created_at, w.updated_at, \
         (SELECT string_agg(t.key || '{KEY_END}' || t.value, '{TAG_END}' ORDER BY t.ordinal) \
          FROM workload_pool_tags t WHERE t.pool_id = w.id) AS tags"
    )
}

fn pool_from(row: &dyn Columns) -> DomainResult<WorkloadPool> {
    let tags = row
        .opt_text("tags")?
        .map(|text| {
            text.split(TAG_END)
                .map(|tag| {
                    let (key, value) = tag.split_once(KEY_END).ok_or_else(|| {
                        DomainError::internal("a stored workload pool tag is malformed")
                    })?;
                    Ok(Tag {
                        key: key.to_owned(),
                        value: value.to_owned(),
                    })
                })
                .collect::<DomainResult<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(WorkloadPool {
        id: WorkloadPoolId::from_stored(row.text("id")?),
        account_id: AccountId::from_stored(row.text("account_id")?),
        name: row.text("name")?,
        description: row.text("description")?,
        project_name: row.text("project_name")?,
        tags,
        allow_auto_create_identity: flag(row.int("allow_auto_create_identity")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

async fn write_tags(tx: &mut Conn, pool: &WorkloadPool) -> DomainResult<()> {
    tx.execute(sql!(
        "DELETE FROM workload_pool_tags WHERE pool_id = $1",
        pool.id.as_str()
    ))
    .await?;
    for (i, tag) in pool.tags.iter().enumerate() {
        tx.execute(sql!(
            "INSERT INTO workload_pool_tags (pool_id, ordinal, key, value) VALUES ($1, $2, $3, $4)",
            pool.id.as_str(),
            i64::try_from(i).unwrap_or(i64::MAX),
            &tag.key,
            &tag.value
        ))
        .await?;
    }
    Ok(())
}

/// The pool of `account` whose `column` is `value`.
fn pool_where(account: &AccountId, column: &str, value: &str) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM workload_pools w WHERE w.account_id = ",
        columns()
    ));
    let a = sql.text_param(account.as_str());
    let v = sql.text_param(value);
    sql.push(&format!("{a} AND {column} = {v}"));
    sql
}

#[async_trait]
impl WorkloadStore for SqlStore {
    async fn insert_workload_pool(&self, pool: &WorkloadPool) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        tx.execute(sql!(
            "INSERT INTO workload_pools (id, account_id, name, description, project_name, \
             allow_auto_create_identity, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            pool.id.as_str(),
            pool.account_id.as_str(),
            &pool.name,
            &pool.description,
            &pool.project_name,
            pool.allow_auto_create_identity,
            pool.created_at.millis(),
            pool.updated_at.millis()
        ))
        .await
        .map_err(|e| write_error(e, Kind::WorkloadPool))?;
        write_tags(&mut tx, pool).await?;
        Ok(tx.commit().await?)
    }

    async fn workload_pool(
        &self,
        account: &AccountId,
        id: &WorkloadPoolId,
    ) -> DomainResult<Option<WorkloadPool>> {
        let sql = pool_where(account, "w.id", id.as_str());
        Ok(self.db.fetch_optional(sql, pool_from).await?)
    }

    async fn workload_pool_by_name(
        &self,
        account: &AccountId,
        name: &str,
    ) -> DomainResult<Option<WorkloadPool>> {
        let sql = pool_where(account, "w.name", name);
        Ok(self.db.fetch_optional(sql, pool_from).await?)
    }

    async fn list_workload_pools(
        &self,
        account: &AccountId,
        query: &WorkloadPoolQuery,
    ) -> DomainResult<Page<WorkloadPool>> {
        let mut filter = Sql::new(" WHERE w.account_id = ");
        let a = filter.text_param(account.as_str());
        filter.push(&a);
        let f = &query.filter;
        if let Some(m) = &f.name {
            text_condition(&mut filter, "w.name", m);
        }
        if let Some(id) = &f.id {
            let p = filter.text_param(id.clone());
            filter.push(&format!(" AND w.id = {p}"));
        }
        if let Some(project) = &f.project_name {
            let p = filter.text_param(project.clone());
            filter.push(&format!(" AND w.project_name = {p}"));
        }
        for tag in &f.tags {
            let k = filter.text_param(tag.key.clone());
            filter.push(&format!(
                " AND EXISTS (SELECT 1 FROM workload_pool_tags t WHERE t.pool_id = w.id AND t.key = {k}"
            ));
            if !tag.values.is_empty() {
                let values: Vec<String> = tag
                    .values
                    .iter()
                    .map(|v| filter.text_param(v.clone()))
                    .collect();
                filter.push(&format!(" AND t.value IN ({})", values.join(", ")));
            }
            filter.push(")");
        }
        let total = self.count("workload_pools w", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            WorkloadPoolSortField::Name => ("w.name", KeyKind::Text),
            WorkloadPoolSortField::CreatedAt => ("w.created_at", KeyKind::Int),
            WorkloadPoolSortField::UpdatedAt => ("w.updated_at", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "w.id",
            direction: query.sort.1,
        };
        let (items, next_token) = self
            .page(
                &columns(),
                "workload_pools w",
                &filter,
                &spec,
                &query.paging,
                pool_from,
            )
            .await?;
        Ok(Page {
            items,
            total,
            next_token,
        })
    }

    async fn update_workload_pool(&self, pool: &WorkloadPool) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        let updated = tx
            .execute(sql!(
                "UPDATE workload_pools SET description = $1, project_name = $2, \
                 allow_auto_create_identity = $3, updated_at = $4 \
                 WHERE account_id = $5 AND id = $6",
                &pool.description,
                &pool.project_name,
                pool.allow_auto_create_identity,
                pool.updated_at.millis(),
                pool.account_id.as_str(),
                pool.id.as_str()
            ))
            .await?;
        if updated == 0 {
            return Err(DomainError::not_found(Kind::WorkloadPool, pool.id.as_str()));
        }
        write_tags(&mut tx, pool).await?;
        Ok(tx.commit().await?)
    }

    async fn delete_workload_pool(
        &self,
        account: &AccountId,
        id: &WorkloadPoolId,
    ) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!(
                "DELETE FROM workload_pools WHERE account_id = $1 AND id = $2",
                account.as_str(),
                id.as_str()
            ))
            .await?;
        Ok(deleted > 0)
    }
}
