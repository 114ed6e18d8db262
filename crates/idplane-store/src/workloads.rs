//! Workload pools and their tags.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind, WorkloadPoolError};
use idplane_core::ids::{AccountId, WorkloadIdentityId, WorkloadPoolId};
use idplane_core::model::pool::Tag;
use idplane_core::model::workload::{WorkloadIdentity, WorkloadPool};
use idplane_core::query::{
    Page, WorkloadIdentityQuery, WorkloadIdentitySortField, WorkloadPoolQuery,
    WorkloadPoolSortField,
};
use idplane_core::store::WorkloadStore;

use crate::SqlStore;
use crate::backend::{Conn, RowLock};
use crate::error::{DbError, write_error};
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
         (SELECT COUNT(*) FROM workload_identities i WHERE i.pool_id = w.id) AS total_identities, \
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
        total_identities: row.int("total_identities")?,
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
        let mut tx = self.db.write().await?;
        let deleted = tx
            .execute(sql!(
                "DELETE FROM workload_pools WHERE account_id = $1 AND id = $2 \
                 AND NOT EXISTS (SELECT 1 FROM workload_identities i WHERE i.pool_id = $3)",
                account.as_str(),
                id.as_str(),
                id.as_str()
            ))
            .await
            .map_err(|e| match e {
                // An identity inserted by a transaction that committed after this one began.
                DbError::ForeignKey(_) => WorkloadPoolError::HasIdentities.into(),
                e => DomainError::from(e),
            })?;
        if deleted > 0 {
            tx.commit().await?;
            return Ok(true);
        }
        let held = tx
            .fetch_one(
                sql!(
                    "SELECT COUNT(*) AS n FROM workload_identities i JOIN workload_pools w \
                     ON w.id = i.pool_id WHERE w.account_id = $1 AND w.id = $2",
                    account.as_str(),
                    id.as_str()
                ),
                |row| row.int("n"),
            )
            .await?;
        tx.commit().await?;
        if held > 0 {
            return Err(WorkloadPoolError::HasIdentities.into());
        }
        Ok(false)
    }

    async fn insert_workload_identity(&self, identity: &WorkloadIdentity) -> DomainResult<()> {
        let metadata = serde_json::to_string(&identity.metadata).map_err(DomainError::internal)?;
        let urls = serde_json::to_string(&identity.return_urls).map_err(DomainError::internal)?;
        self.db
            .execute(sql!(
                "INSERT INTO workload_identities (id, pool_id, name, category, description, \
                 metadata, return_urls, source, revision, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                identity.id.as_str(),
                identity.pool_id.as_str(),
                &identity.name,
                &identity.category,
                &identity.description,
                metadata,
                urls,
                &identity.source,
                identity.revision,
                identity.created_at.millis(),
                identity.updated_at.millis()
            ))
            .await
            .map_err(|e| match e {
                DbError::ForeignKey(_) => {
                    DomainError::not_found(Kind::WorkloadPool, identity.pool_id.as_str())
                }
                e => write_error(e, Kind::WorkloadIdentity),
            })?;
        Ok(())
    }

    async fn workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
    ) -> DomainResult<Option<WorkloadIdentity>> {
        let sql = sql!(
            &format!(
                "SELECT {IDENTITY_COLUMNS} FROM workload_identities i WHERE i.pool_id = $1 AND i.name = $2"
            ),
            pool.as_str(),
            name
        );
        Ok(self.db.fetch_optional(sql, identity_from).await?)
    }

    async fn list_workload_identities(
        &self,
        pool: &WorkloadPoolId,
        query: &WorkloadIdentityQuery,
    ) -> DomainResult<Page<WorkloadIdentity>> {
        let mut filter = Sql::new(" WHERE i.pool_id = ");
        let p = filter.text_param(pool.as_str());
        filter.push(&p);
        let f = &query.filter;
        if let Some(m) = &f.name {
            text_condition(&mut filter, "i.name", m);
        }
        if let Some(c) = &f.category {
            let p = filter.text_param(c.clone());
            filter.push(&format!(" AND i.category = {p}"));
        }
        if let Some(s) = &f.source {
            let p = filter.text_param(s.clone());
            filter.push(&format!(" AND i.source = {p}"));
        }
        let total = self.count("workload_identities i", &filter).await?;
        let (expr, kind) = match query.sort.0 {
            WorkloadIdentitySortField::Name => ("i.name", KeyKind::Text),
            WorkloadIdentitySortField::CreatedAt => ("i.created_at", KeyKind::Int),
            WorkloadIdentitySortField::UpdatedAt => ("i.updated_at", KeyKind::Int),
        };
        let spec = SortSpec {
            expr,
            kind,
            tiebreak: "i.id",
            direction: query.sort.1,
        };
        let (items, next_token) = self
            .page(
                IDENTITY_COLUMNS,
                "workload_identities i",
                &filter,
                &spec,
                &query.paging,
                identity_from,
            )
            .await?;
        Ok(Page {
            items,
            total,
            next_token,
        })
    }

    async fn change_workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
        change: &(dyn for<'a> Fn(&'a mut WorkloadIdentity) -> DomainResult<()> + Send + Sync),
    ) -> DomainResult<Option<WorkloadIdentity>> {
        let mut tx = self.db.write().await?;
        let read = format!(
            "SELECT {IDENTITY_COLUMNS} FROM workload_identities i \
             WHERE i.pool_id = $1 AND i.name = $2{}",
            tx.row_lock(RowLock::NoKeyUpdate)
        );
        let Some(mut identity) = tx
            .fetch_optional(sql!(&read, pool.as_str(), name), identity_from)
            .await?
        else {
            return Ok(None);
        };
        change(&mut identity)?;
        identity.revision += 1;
        let metadata = serde_json::to_string(&identity.metadata).map_err(DomainError::internal)?;
        let urls = serde_json::to_string(&identity.return_urls).map_err(DomainError::internal)?;
        tx.execute(sql!(
            "UPDATE workload_identities SET category = $1, description = $2, metadata = $3, \
             return_urls = $4, updated_at = $5, revision = $6 WHERE id = $7",
            &identity.category,
            &identity.description,
            metadata,
            urls,
            identity.updated_at.millis(),
            identity.revision,
            identity.id.as_str()
        ))
        .await?;
        tx.commit().await?;
        Ok(Some(identity))
    }

    async fn delete_workload_identity(
        &self,
        pool: &WorkloadPoolId,
        name: &str,
    ) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!(
                "DELETE FROM workload_identities WHERE pool_id = $1 AND name = $2",
                pool.as_str(),
                name
            ))
            .await?;
        Ok(deleted > 0)
    }
}

const IDENTITY_COLUMNS: &str = "i.id, i.pool_id, i.name, i.category, i.description, i.metadata, \
     i.return_urls, i.source, i.revision, i.created_at, i.updated_at";

fn identity_from(row: &dyn Columns) -> DomainResult<WorkloadIdentity> {
    Ok(WorkloadIdentity {
        id: WorkloadIdentityId::from_stored(row.text("id")?),
        pool_id: WorkloadPoolId::from_stored(row.text("pool_id")?),
        name: row.text("name")?,
        category: row.text("category")?,
        description: row.text("description")?,
        metadata: serde_json::from_str(&row.text("metadata")?).map_err(DomainError::internal)?,
        return_urls: serde_json::from_str(&row.text("return_urls")?)
            .map_err(DomainError::internal)?,
        source: row.text("source")?,
        revision: row.int("revision")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}
