//! A pool's custom attribute declarations: one row each. A declaration's checks (its name free
//! in any letter case, the pool under its limit, no user holding a value of one removed) run in
//! the transaction that writes it, behind the pool's row.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{AttributeError, DomainError, DomainResult};
use idplane_core::ids::{CustomAttributeUid, UserPoolUid};
use idplane_core::model::custom_attribute::{AttributeType, CustomAttribute, Mutability};
use idplane_core::store::{AttributeStore, PoolScope};

use crate::SqlStore;
use crate::departments::Tx;
use crate::error::internal;
use crate::row::Columns;
use crate::sql::{Sql, like_escape, opt};

const COLUMNS: &str =
    "uid, pool_uid, name, data_type, mutability, minimum, maximum, created_at, updated_at";

fn bound(text: Option<String>) -> DomainResult<Option<i64>> {
    text.map(|t| t.parse().map_err(DomainError::internal))
        .transpose()
}

fn attribute_from(row: &dyn Columns) -> DomainResult<CustomAttribute> {
    Ok(CustomAttribute {
        uid: CustomAttributeUid::from_stored(row.text("uid")?),
        pool_uid: UserPoolUid::from_stored(row.text("pool_uid")?),
        name: row.text("name")?,
        data_type: AttributeType::parse(&row.text("data_type")?)?,
        mutability: Mutability::parse(&row.text("mutability")?)?,
        minimum: bound(opt(row.text("minimum")?))?,
        maximum: bound(opt(row.text("maximum")?))?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        updated_at: Timestamp::from_millis(row.int("updated_at")?),
    })
}

fn text_of(bound: Option<i64>) -> String {
    bound.map(|b| b.to_string()).unwrap_or_default()
}

/// Holds the pool's row until the transaction ends (PostgreSQL; SQLite's writer holds the
/// whole database), so that checks of the pool's declarations and the write are one step.
async fn hold_pool(tx: &mut Tx, pool: &UserPoolUid) -> DomainResult<bool> {
    let mut sql = Sql::new("UPDATE user_pools SET updated_at = updated_at WHERE uid = ");
    let p = sql.text_param(pool.as_str());
    sql.push(&p);
    let done = sql.query().execute(&mut **tx).await.map_err(internal)?;
    Ok(done.rows_affected() > 0)
}

async fn count(tx: &mut Tx, sql: Sql) -> DomainResult<i64> {
    let row = sql.query().fetch_one(&mut **tx).await.map_err(internal)?;
    row.int("n")
}

#[async_trait]
impl AttributeStore for SqlStore {
    async fn insert_attribute(
        &self,
        scope: &PoolScope,
        a: &CustomAttribute,
        limit: usize,
    ) -> DomainResult<()> {
        let pool = scope.pool_uid();
        let mut tx = self.begin_write().await.map_err(internal)?;
        if !hold_pool(&mut tx, pool).await? {
            return Err(DomainError::not_found(
                idplane_core::error::Kind::UserPool,
                pool.as_str(),
            ));
        }
        let mut sql = Sql::new("SELECT COUNT(*) AS n FROM custom_attributes WHERE pool_uid = ");
        let p = sql.text_param(pool.as_str());
        sql.push(&p);
        if usize::try_from(count(&mut tx, sql).await?).unwrap_or(usize::MAX) >= limit {
            return Err(AttributeError::TooMany(limit).into());
        }
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS n FROM custom_attributes WHERE pool_uid = $1 AND lower(name) = $2",
        );
        sql.text_param(pool.as_str());
        sql.text_param(a.name.to_ascii_lowercase());
        if count(&mut tx, sql).await? > 0 {
            return Err(AttributeError::NameTaken.into());
        }
        let mut sql = Sql::new(&format!(
            "INSERT INTO custom_attributes ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ));
        sql.text_param(a.uid.as_str());
        sql.text_param(pool.as_str());
        sql.text_param(a.name.as_str());
        sql.text_param(a.data_type.as_str());
        sql.text_param(a.mutability.as_str());
        sql.text_param(text_of(a.minimum));
        sql.text_param(text_of(a.maximum));
        sql.int_param(a.created_at.millis());
        sql.int_param(a.updated_at.millis());
        sql.query().execute(&mut *tx).await.map_err(internal)?;
        tx.commit().await.map_err(internal)
    }

    async fn update_attribute(&self, scope: &PoolScope, a: &CustomAttribute) -> DomainResult<bool> {
        let mut sql = Sql::new(
            "UPDATE custom_attributes SET mutability = $1, minimum = $2, maximum = $3, \
             updated_at = $4 WHERE pool_uid = $5 AND uid = $6",
        );
        sql.text_param(a.mutability.as_str());
        sql.text_param(text_of(a.minimum));
        sql.text_param(text_of(a.maximum));
        sql.int_param(a.updated_at.millis());
        sql.text_param(scope.pool_uid().as_str());
        sql.text_param(a.uid.as_str());
        let mut tx = self.begin_write().await.map_err(internal)?;
        let done = sql.query().execute(&mut *tx).await.map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_attribute(
        &self,
        scope: &PoolScope,
        uid: &CustomAttributeUid,
    ) -> DomainResult<bool> {
        let pool = scope.pool_uid();
        let mut tx = self.begin_write().await.map_err(internal)?;
        hold_pool(&mut tx, pool).await?;
        let mut sql =
            Sql::new("SELECT name FROM custom_attributes WHERE pool_uid = $1 AND uid = $2");
        sql.text_param(pool.as_str());
        sql.text_param(uid.as_str());
        let Some(row) = sql
            .query()
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?
        else {
            return Ok(false);
        };
        let name = row.text("name")?;
        // Values are kept as a JSON list of [name, value] pairs.
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM users WHERE pool_uid = $1 \
             AND custom_attributes LIKE $2 ESCAPE '\\' LIMIT 1) held",
        );
        sql.text_param(pool.as_str());
        sql.text_param(format!("%[\"{}\",%", like_escape(&name)));
        if count(&mut tx, sql).await? > 0 {
            return Err(AttributeError::InUse.into());
        }
        let mut sql = Sql::new("DELETE FROM custom_attributes WHERE pool_uid = $1 AND uid = $2");
        sql.text_param(pool.as_str());
        sql.text_param(uid.as_str());
        sql.query().execute(&mut *tx).await.map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(true)
    }

    async fn attributes(&self, scope: &PoolScope) -> DomainResult<Vec<CustomAttribute>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM custom_attributes WHERE pool_uid = $1 ORDER BY name, uid"
        ));
        sql.text_param(scope.pool_uid().as_str());
        let rows = sql.query().fetch_all(&self.pool).await.map_err(internal)?;
        rows.iter()
            .map(|row| attribute_from(row as &dyn Columns))
            .collect()
    }
}
