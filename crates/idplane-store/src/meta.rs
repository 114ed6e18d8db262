//! The store's own facts (`store_meta`) and its health check.

use async_trait::async_trait;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::store::MetaStore;

use crate::SqlStore;
use crate::sql::{Sql, sql};

#[async_trait]
impl MetaStore for SqlStore {
    async fn ping(&self) -> DomainResult<()> {
        self.db
            .fetch_one(Sql::new("SELECT 1 AS one"), |row| row.int("one"))
            .await?;
        Ok(())
    }

    async fn meta(&self, name: &str) -> DomainResult<Option<String>> {
        let sql = sql!("SELECT value FROM store_meta WHERE name = $1", name);
        Ok(self.db.fetch_optional(sql, |row| row.text("value")).await?)
    }

    async fn put_meta_once(&self, name: &str, value: &str) -> DomainResult<String> {
        self.db
            .execute(sql!(
                "INSERT INTO store_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                name,
                value
            ))
            .await?;
        self.meta(name)
            .await?
            .ok_or_else(|| DomainError::internal(format!("store_meta {name} vanished")))
    }

    async fn any_sealed_secret(&self) -> DomainResult<Option<String>> {
        let sql = Sql::new(
            "SELECT sealed FROM (\
               SELECT sealed_secret AS sealed FROM access_keys \
               UNION ALL SELECT sealed_private AS sealed FROM signing_keys \
               UNION ALL SELECT sealed_secret AS sealed FROM clients WHERE sealed_secret IS NOT NULL\
             ) s LIMIT 1",
        );
        Ok(self
            .db
            .fetch_optional(sql, |row| row.text("sealed"))
            .await?)
    }
}
