//! Accounts and access keys.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::ids::{AccessKeyId, AccountId, UserPoolUid};
use idplane_core::model::account::{AccessKey, AccessKeyStatus, Account};
use idplane_core::store::AccountStore;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::{internal, write_error};
use crate::row::Columns;
use crate::sql::Sql;

const KEY_COLUMNS: &str =
    "id, account_id, sealed_secret, status, bound_pool, description, created_at";

fn account_from(row: &AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: AccountId::from_stored(row.try_get("id")?),
        name: row.try_get("name")?,
        created_at: Timestamp::from_millis(row.try_get("created_at")?),
    })
}

fn key_from<R: Columns + ?Sized>(row: &R) -> DomainResult<AccessKey> {
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
        sqlx::query(
            "INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(AccountId::generate().into_string())
        .bind(name.to_owned())
        .bind(now.millis())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        self.find_account(name)
            .await?
            .ok_or_else(|| DomainError::internal("an account vanished right after it was made"))
    }

    async fn find_account(&self, name: &str) -> DomainResult<Option<Account>> {
        let row = sqlx::query("SELECT id, name, created_at FROM accounts WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(account_from).transpose().map_err(internal)
    }

    async fn insert_access_key(&self, key: &AccessKey) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO access_keys (id, account_id, sealed_secret, status, bound_pool, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id.as_str().to_owned())
        .bind(key.account_id.as_str().to_owned())
        .bind(key.sealed_secret.clone())
        .bind(key.status.as_str())
        .bind(key.bound_pool.as_ref().map(|p| p.as_str().to_owned()))
        .bind(key.description.clone())
        .bind(key.created_at.millis())
        .execute(&self.pool)
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
        self.read_optional(sql, |row| key_from(row)).await
    }

    async fn list_access_keys(&self, account: Option<&AccountId>) -> DomainResult<Vec<AccessKey>> {
        let rows = match account {
            Some(a) => {
                let sql = format!(
                    "SELECT {KEY_COLUMNS} FROM access_keys WHERE account_id = $1 ORDER BY created_at, id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(a.as_str().to_owned())
                    .fetch_all(&self.pool)
                    .await
            }
            None => {
                let sql = format!("SELECT {KEY_COLUMNS} FROM access_keys ORDER BY created_at, id");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(internal)?;
        rows.iter().map(key_from).collect()
    }

    async fn delete_access_key(&self, id: &AccessKeyId) -> DomainResult<bool> {
        let result = sqlx::query("DELETE FROM access_keys WHERE id = $1")
            .bind(id.as_str().to_owned())
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(result.rows_affected() > 0)
    }
}
