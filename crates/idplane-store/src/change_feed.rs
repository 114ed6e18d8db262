//! The change feed processes sharing a PostgreSQL store watch (see `idplane_core::changes`): a
//! sequence, moved once per announced change. A sequence is not a row: announcing takes no lock
//! and never waits for another writer, and reading it is one small query. On SQLite one server
//! at a time holds the database (its lock file), so there is nobody to tell and no feed.

use std::sync::Arc;

use async_trait::async_trait;
use idplane_core::changes::ChangeFeed;
use idplane_core::error::DomainResult;
use sqlx::Row;

use crate::error::internal;
use crate::{Dialect, SqlStore};

impl SqlStore {
    /// The feed other processes announce their changes on; `None` where no other process can
    /// share the store.
    pub fn change_feed(&self) -> Option<Arc<dyn ChangeFeed>> {
        match self.dialect {
            Dialect::Postgres => Some(Arc::new(self.clone())),
            Dialect::Sqlite => None,
        }
    }
}

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn announce(&self) -> DomainResult<()> {
        sqlx::query("SELECT nextval('change_feed')")
            .fetch_one(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn latest(&self) -> DomainResult<i64> {
        let row = sqlx::query("SELECT last_value FROM change_feed")
            .fetch_one(&self.pool)
            .await
            .map_err(internal)?;
        row.try_get::<i64, _>("last_value").map_err(internal)
    }
}
