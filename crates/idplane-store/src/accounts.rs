//! Accounts and access keys.

use crate::SqlStore;
use crate::error::write_error;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{AccessKeyId, AccountId, UserPoolUid};
use idplane_core::model::account::{AccessKey, AccessKeyStatus, Account};
use idplane_core::store::AccountStore;

const KEY_COLUMNS: &str =
    "id, account_id, sealed_secret, status, bound_pool, description, created_at";

fn account_from(row: &dyn Columns) -> DomainResult<Account> {
    Ok(Account {
        id: AccountId::from_stored(row.text("id")?),
        name: row.text("name")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

fn key_from(row: &dyn Columns) -> DomainResult<AccessKey> {
    let status = row.text("status")?;
    Ok(AccessKey {
        id: AccessKeyId::from_stored(row.text("id")?),
        account_id: AccountId::from_stored(row.text("account_id")?),
        sealed_secret: row.text("sealed_secret")?,
        status: AccessKeyStatus::parse(&status)
            .ok_or_else(|| DomainError::internal(format!("unknown key status {status:?}")))?,
        bound_pool: row.opt_text("bound_pool")?.map(UserPoolUid::from_stored),
        description: row.text("description")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn ensure_account(&self, name: &str, now: Timestamp) -> DomainResult<Account> {
        self.db
            .execute(sql!(
                "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
                AccountId::generate().into_string(),
                name,
                now.millis()
            ))
            .await?;
        self.find_account(name)
            .await?
            .ok_or_else(|| DomainError::internal("an account vanished right after it was made"))
    }

    async fn find_account(&self, name: &str) -> DomainResult<Option<Account>> {
        let sql = sql!(
            "SELECT id, name, created_at FROM accounts WHERE name = $1",
            name
        );
        Ok(self.db.fetch_optional(sql, account_from).await?)
    }

    async fn insert_access_key(&self, key: &AccessKey) -> DomainResult<()> {
        self.db
            .execute(sql!(
                "INSERT INTO access_keys (id, account_id, sealed_secret, status, bound_pool, \
                 description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                key.id.as_str(),
                key.account_id.as_str(),
                &key.sealed_secret,
                key.status.as_str(),
                key.bound_pool.as_ref().map(UserPoolUid::as_str),
                &key.description,
                key.created_at.millis()
            ))
            .await
            .map_err(|e| write_error(e, Kind::AccessKey))?;
        Ok(())
    }

    async fn get_access_key(&self, id: &AccessKeyId) -> DomainResult<Option<AccessKey>> {
        let mut sql = Sql::new(&format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE id = "
        ));
        let p = sql.text_param(id.as_str());
        sql.push(&p);
        Ok(self.db.fetch_optional(sql, key_from).await?)
    }

    async fn list_access_keys(&self, account: Option<&AccountId>) -> DomainResult<Vec<AccessKey>> {
        let sql = match account {
            Some(a) => sql!(
                &format!(
                    "SELECT {KEY_COLUMNS} FROM access_keys WHERE account_id = $1 \
                     ORDER BY created_at, id"
                ),
                a.as_str()
            ),
            None => Sql::new(&format!(
                "SELECT {KEY_COLUMNS} FROM access_keys ORDER BY created_at, id"
            )),
        };
        Ok(self.db.fetch(sql, key_from).await?)
    }

    async fn delete_access_key(&self, id: &AccessKeyId) -> DomainResult<bool> {
        let deleted = self
            .db
            .execute(sql!("DELETE FROM access_keys WHERE id = $1", id.as_str()))
            .await?;
        Ok(deleted > 0)
    }
}
