//! Bulk loading: many users or memberships per statement and per transaction, for imports and
//! for seeding benchmarks, instead of one signed call per user.

use crate::SqlStore;
use crate::error::write_error;
use crate::sql::Sql;
use crate::users::{MEMBER_KEY_COLUMNS, MEMBER_KEY_VALUES, WRITE_COLUMNS, write_sql};
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainResult, Kind};
use idplane_core::ids::{GroupUid, UserUid};
use idplane_core::model::user::User;
use idplane_core::store::PoolScope;

/// Rows per INSERT: 32 parameters a row stays under SQLite's 32,766-parameter limit.
const ROWS_PER_STATEMENT: usize = 500;

impl SqlStore {
    /// Inserts users in multi-row statements inside one transaction; all or nothing.
    pub async fn bulk_insert_users(&self, scope: &PoolScope, users: &[User]) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        for chunk in users.chunks(ROWS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let mut rows = Vec::with_capacity(chunk.len());
            for u in chunk {
                let uid = sql.text_param(u.uid.as_str());
                let pool = sql.text_param(scope.pool_uid().as_str());
                let params = write_sql(&mut sql, u)?;
                rows.push(format!("({uid}, {pool}, {})", params.join(", ")));
            }
            let mut full = Sql::new(&format!(
                "INSERT INTO users (uid, pool_uid, {}) VALUES {}",
                WRITE_COLUMNS.join(", "),
                rows.join(", ")
            ));
            full.append_binds_from(&sql);
            tx.execute(full)
                .await
                .map_err(|e| write_error(e, Kind::User))?;
            crate::identifiers::write_many(&mut tx, scope.pool_uid(), chunk).await?;
            crate::attribute_values::write_many(&mut tx, scope.pool_uid(), chunk).await?;
        }
        Ok(tx.commit().await?)
    }

    /// Adds many members to a group; uids not in the pool are skipped, already-members are fine.
    pub async fn bulk_add_group_members(
        &self,
        scope: &PoolScope,
        group: &GroupUid,
        users: &[UserUid],
        now: Timestamp,
    ) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        crate::groups::lock_group(&mut tx, scope.pool_uid(), group).await?;
        for chunk in users.chunks(ROWS_PER_STATEMENT * 4) {
            let mut sql = Sql::new(&format!(
                "INSERT INTO group_members (group_uid, user_uid, pool_uid, created_at, \
                 {MEMBER_KEY_COLUMNS}) SELECT "
            ));
            let g = sql.text_param(group.as_str());
            let t = sql.int_param(now.millis());
            sql.push(&format!(
                "{g}, u.uid, u.pool_uid, {t}, {MEMBER_KEY_VALUES} FROM users u WHERE u.pool_uid = "
            ));
            let p = sql.text_param(scope.pool_uid().as_str());
            sql.push(&p);
            let uids: Vec<String> = chunk.iter().map(|u| sql.text_param(u.as_str())).collect();
            sql.push(&format!(" AND u.uid IN ({})", uids.join(", ")));
            sql.push(" ON CONFLICT (group_uid, user_uid) DO NOTHING");
            tx.execute(sql).await?;
        }
        Ok(tx.commit().await?)
    }

    /// Refreshes the planner's statistics after a bulk load (see the backends' `analyze`).
    pub async fn analyze(&self) -> DomainResult<()> {
        Ok(self.db.analyze().await?)
    }
}
