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
use crate::backend::{Conn, RowLock};
use crate::row::Columns;
use crate::sql::{Sql, like_escape, opt, sql};

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
async fn hold_pool(tx: &mut Conn, pool: &UserPoolUid) -> DomainResult<bool> {
    let text = format!(
        "SELECT uid FROM user_pools WHERE uid = $1{}",
        tx.row_lock(RowLock::NoKeyUpdate)
    );
    let held = tx
        .fetch_optional(sql!(&text, pool.as_str()), |_| Ok(()))
        .await?;
    Ok(held.is_some())
}

async fn count(tx: &mut Conn, sql: Sql) -> DomainResult<i64> {
    Ok(tx.fetch_one(sql, |row| row.int("n")).await?)
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
        let mut tx = self.db.write().await?;
        if !hold_pool(&mut tx, pool).await? {
            return Err(DomainError::not_found(
                idplane_core::error::Kind::UserPool,
                pool.as_str(),
            ));
        }
        let sql = sql!(
            "SELECT COUNT(*) AS n FROM custom_attributes WHERE pool_uid = $1",
            pool.as_str()
        );
        if usize::try_from(count(&mut tx, sql).await?).unwrap_or(usize::MAX) >= limit {
            return Err(AttributeError::TooMany(limit).into());
        }
        let sql = sql!(
            "SELECT COUNT(*) AS n FROM custom_attributes WHERE pool_uid = $1 AND lower(name) = $2",
            pool.as_str(),
            a.name.to_ascii_lowercase()
        );
        if count(&mut tx, sql).await? > 0 {
            return Err(AttributeError::NameTaken.into());
        }
        tx.execute(sql!(
            &format!(
                "INSERT INTO custom_attributes ({COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
            ),
            a.uid.as_str(),
            pool.as_str(),
            a.name.as_str(),
            a.data_type.as_str(),
            a.mutability.as_str(),
            text_of(a.minimum),
            text_of(a.maximum),
            a.created_at.millis(),
            a.updated_at.millis()
        ))
        .await?;
        Ok(tx.commit().await?)
    }

    async fn update_attribute(&self, scope: &PoolScope, a: &CustomAttribute) -> DomainResult<bool> {
        let changed = self
            .db
            .execute(sql!(
                "UPDATE custom_attributes SET mutability = $1, minimum = $2, maximum = $3, \
                 updated_at = $4 WHERE pool_uid = $5 AND uid = $6",
                a.mutability.as_str(),
                text_of(a.minimum),
                text_of(a.maximum),
                a.updated_at.millis(),
                scope.pool_uid().as_str(),
                a.uid.as_str()
            ))
            .await?;
        Ok(changed > 0)
    }

    async fn delete_attribute(
        &self,
        scope: &PoolScope,
        uid: &CustomAttributeUid,
    ) -> DomainResult<bool> {
        let pool = scope.pool_uid();
        let mut tx = self.db.write().await?;
        hold_pool(&mut tx, pool).await?;
        let named = sql!(
            "SELECT name FROM custom_attributes WHERE pool_uid = $1 AND uid = $2",
            pool.as_str(),
            uid.as_str()
        );
        let Some(name) = tx.fetch_optional(named, |row| row.text("name")).await? else {
            return Ok(false);
        };
        // Values are kept as a JSON list of [name, value] pairs.
        let held = sql!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM users WHERE pool_uid = $1 \
             AND custom_attributes LIKE $2 ESCAPE '\\' LIMIT 1) held",
            pool.as_str(),
            format!("%[\"{}\",%", like_escape(&name))
        );
        if count(&mut tx, held).await? > 0 {
            return Err(AttributeError::InUse.into());
        }
        tx.execute(sql!(
            "DELETE FROM custom_attributes WHERE pool_uid = $1 AND uid = $2",
            pool.as_str(),
            uid.as_str()
        ))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn attributes(&self, scope: &PoolScope) -> DomainResult<Vec<CustomAttribute>> {
        let sql = sql!(
            &format!(
                "SELECT {COLUMNS} FROM custom_attributes WHERE pool_uid = $1 ORDER BY name, uid"
            ),
            scope.pool_uid().as_str()
        );
        Ok(self.db.fetch(sql, attribute_from).await?)
    }
}
