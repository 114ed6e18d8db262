//! The change feed processes sharing a PostgreSQL store watch (see `idplane_core::changes`): a
//! sequence, moved once per announced change. A sequence is not a row: announcing takes no lock
//! and never waits for another writer, and reading it is one small query. On SQLite one server
//! at a time holds the database (its lock file), so there is nobody to tell and no feed.

use std::sync::Arc;

use async_trait::async_trait;
use idplane_core::changes::ChangeFeed;
use idplane_core::error::DomainResult;

use crate::SqlStore;
use crate::sql::Sql;

impl SqlStore {
    /// The feed other processes announce their changes on; `None` where no other process can
    /// share the store.
    pub fn change_feed(&self) -> Option<Arc<dyn ChangeFeed>> {
        self.db
            .shared()
            .then(|| Arc::new(self.clone()) as Arc<dyn ChangeFeed>)
    }
}

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn announce(&self) -> DomainResult<()> {
        let sql = Sql::new("SELECT nextval('change_feed') AS n");
        self.db
            .writer()
            .await?
            .fetch_one(sql, |row| row.int("n"))
            .await?;
        Ok(())
    }

    async fn latest(&self) -> DomainResult<i64> {
        let sql = Sql::new("SELECT last_value FROM change_feed");
        Ok(self.db.fetch_one(sql, |row| row.int("last_value")).await?)
    }
}
