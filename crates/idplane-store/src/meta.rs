//! The store's own facts (`store_meta`) and its health check.

use async_trait::async_trait;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::store::MetaStore;
use sqlx::{Executor, Row};

use crate::SqlStore;
use crate::error::internal;

#[async_trait]
impl MetaStore for SqlStore {
    async fn ping(&self) -> DomainResult<()> {
        self.pool.execute("SELECT 1").await.map_err(internal)?;
        Ok(())
    }

    async fn meta(&self, name: &str) -> DomainResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM store_meta WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.map(|r| r.try_get::<String, _>("value"))
            .transpose()
            .map_err(internal)
    }

    async fn put_meta_once(&self, name: &str, value: &str) -> DomainResult<String> {
        sqlx::query(
            "INSERT INTO store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_owned())
        .bind(value.to_owned())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        self.meta(name)
            .await?
            .ok_or_else(|| DomainError::internal(format!("store_meta {name} vanished")))
    }

    async fn any_sealed_secret(&self) -> DomainResult<Option<String>> {
        let row = sqlx::query(
            "SELECT sealed FROM (\
               SELECT sealed_secret AS sealed FROM access_keys \
               UNION ALL SELECT sealed_private AS sealed FROM signing_keys \
               UNION ALL SELECT sealed_secret AS sealed FROM clients WHERE sealed_secret IS NOT NULL\
             ) s LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        row.map(|r| r.try_get::<String, _>("sealed"))
            .transpose()
            .map_err(internal)
    }
}
