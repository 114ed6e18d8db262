//! The data plane's records: signing keys, codes, refresh tokens, revocations, sessions.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::ids::{ClientUid, UserPoolUid, UserUid};
use idplane_core::model::pool::UserPool;
use idplane_core::model::sign_in::{
    AuthCode, LoginSession, RefreshRecord, RefreshSpend, SigningKeyRecord,
};
use idplane_core::model::user::User;
use idplane_core::store::SignInStore;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::SqlStore;
use crate::error::internal;
use crate::pools::{POOL_COLUMNS, pool_from};

const CODE_COLUMNS: &str = "code_hash, pool_uid, client_uid, user_uid, redirect_uri, scope, nonce, \
     code_challenge, session_id, auth_time, expires_at";
const REFRESH_COLUMNS: &str = "token_hash, family, pool_uid, client_uid, user_uid, scope, \
     session_id, auth_time, created_at, expires_at, family_expires_at, used_at, revoked";

fn ts(row: &AnyRow, column: &str) -> Result<Timestamp, sqlx::Error> {
    Ok(Timestamp::from_millis(row.try_get(column)?))
}

fn code_from(row: &AnyRow) -> Result<AuthCode, sqlx::Error> {
    Ok(AuthCode {
        code_hash: row.try_get("code_hash")?,
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
        client_uid: ClientUid::from_stored(row.try_get("client_uid")?),
        user_uid: UserUid::from_stored(row.try_get("user_uid")?),
        redirect_uri: row.try_get("redirect_uri")?,
        scope: row.try_get("scope")?,
        nonce: row.try_get("nonce")?,
        code_challenge: row.try_get("code_challenge")?,
        session_id: row.try_get("session_id")?,
        auth_time: ts(row, "auth_time")?,
        expires_at: ts(row, "expires_at")?,
    })
}

fn refresh_from(row: &AnyRow) -> Result<RefreshRecord, sqlx::Error> {
    Ok(RefreshRecord {
        token_hash: row.try_get("token_hash")?,
        family: row.try_get("family")?,
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
        client_uid: ClientUid::from_stored(row.try_get("client_uid")?),
        user_uid: UserUid::from_stored(row.try_get("user_uid")?),
        scope: row.try_get("scope")?,
        session_id: row.try_get("session_id")?,
        auth_time: ts(row, "auth_time")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        family_expires_at: ts(row, "family_expires_at")?,
        used_at: row
            .try_get::<Option<i64>, _>("used_at")?
            .map(Timestamp::from_millis),
        revoked: row.try_get::<i64, _>("revoked")? != 0,
    })
}

fn key_from(row: &AnyRow) -> Result<SigningKeyRecord, sqlx::Error> {
    Ok(SigningKeyRecord {
        kid: row.try_get("kid")?,
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
        algorithm: row.try_get("algorithm")?,
        sealed_private: row.try_get("sealed_private")?,
        public_jwk: row.try_get("public_jwk")?,
        created_at: ts(row, "created_at")?,
        retired_at: row
            .try_get::<Option<i64>, _>("retired_at")?
            .map(Timestamp::from_millis),
    })
}

fn session_from(row: &AnyRow) -> Result<LoginSession, sqlx::Error> {
    Ok(LoginSession {
        id_hash: row.try_get("id_hash")?,
        pool_uid: UserPoolUid::from_stored(row.try_get("pool_uid")?),
        user_uid: UserUid::from_stored(row.try_get("user_uid")?),
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
    })
}

fn owned(v: &str) -> String {
    v.to_owned()
}

#[async_trait]
impl SignInStore for SqlStore {
    async fn pool_by_uid(&self, uid: &UserPoolUid) -> DomainResult<Option<UserPool>> {
        let sql = format!("SELECT {POOL_COLUMNS} FROM user_pools p WHERE p.uid = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owned(uid.as_str()))
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(pool_from).transpose()
    }

    async fn user_by_attribute(
        &self,
        pool: &UserPoolUid,
        attribute: &str,
        value: &str,
    ) -> DomainResult<Option<User>> {
        // Each form matches the expression of its unique index, so the lookup is one probe.
        let matches = match attribute {
            "preferred_username" => {
                "lower(u.preferred_username) = lower($2) AND u.preferred_username <> ''"
            }
            "email" => "lower(u.email) = lower($2) AND u.email <> ''",
            "phone_number" => "u.phone_number = $2 AND u.phone_number <> ''",
            other => {
                return Err(DomainError::internal(format!(
                    "{other} is not a sign-in attribute"
                )));
            }
        };
        let sql = format!(
            "{} WHERE u.pool_uid = $1 AND {matches}",
            crate::users::select_users()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owned(pool.as_str()))
            .bind(owned(value))
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(crate::users::user_from).transpose()
    }

    async fn record_sign_in(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()> {
        sqlx::query(
            "UPDATE users SET latest_login = $1, num_logins = num_logins + 1, failed_sign_ins = 0 \
             WHERE pool_uid = $2 AND uid = $3",
        )
        .bind(at.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(user.as_str()))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn record_failed_sign_in(&self, pool: &UserPoolUid, user: &UserUid) -> DomainResult<i64> {
        let row = sqlx::query(
            "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 \
             WHERE pool_uid = $1 AND uid = $2 RETURNING failed_sign_ins",
        )
        .bind(owned(pool.as_str()))
        .bind(owned(user.as_str()))
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        match row {
            Some(r) => r.try_get::<i64, _>("failed_sign_ins").map_err(internal),
            None => Ok(0),
        }
    }

    async fn signing_keys(&self, pool: &UserPoolUid) -> DomainResult<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, pool_uid, algorithm, sealed_private, public_jwk, created_at, retired_at \
             FROM signing_keys WHERE pool_uid = $1 ORDER BY created_at DESC, kid DESC",
        )
        .bind(owned(pool.as_str()))
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        rows.iter()
            .map(key_from)
            .collect::<Result<_, _>>()
            .map_err(internal)
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO signing_keys (kid, pool_uid, algorithm, sealed_private, public_jwk, created_at, retired_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.kid.clone())
        .bind(owned(key.pool_uid.as_str()))
        .bind(key.algorithm.clone())
        .bind(key.sealed_private.clone())
        .bind(key.public_jwk.clone())
        .bind(key.created_at.millis())
        .bind(key.retired_at.map(Timestamp::millis))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn retire_signing_keys(
        &self,
        pool: &UserPoolUid,
        keep: &str,
        at: Timestamp,
    ) -> DomainResult<u64> {
        let result = sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 \
             WHERE pool_uid = $2 AND kid <> $3 AND retired_at IS NULL",
        )
        .bind(at.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(keep))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(result.rows_affected())
    }

    async fn insert_code(&self, c: &AuthCode) -> DomainResult<()> {
        let sql = format!(
            "INSERT INTO auth_codes ({CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(c.code_hash.clone())
            .bind(owned(c.pool_uid.as_str()))
            .bind(owned(c.client_uid.as_str()))
            .bind(owned(c.user_uid.as_str()))
            .bind(c.redirect_uri.clone())
            .bind(c.scope.clone())
            .bind(c.nonce.clone())
            .bind(c.code_challenge.clone())
            .bind(c.session_id.clone())
            .bind(c.auth_time.millis())
            .bind(c.expires_at.millis())
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn take_code(
        &self,
        pool: &UserPoolUid,
        code_hash: &str,
    ) -> DomainResult<Option<AuthCode>> {
        let sql = format!(
            "DELETE FROM auth_codes WHERE pool_uid = $1 AND code_hash = $2 RETURNING {CODE_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owned(pool.as_str()))
            .bind(owned(code_hash))
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(code_from).transpose().map_err(internal)
    }

    async fn insert_refresh(&self, t: &RefreshRecord) -> DomainResult<()> {
        let sql = format!(
            "INSERT INTO refresh_tokens ({REFRESH_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(t.token_hash.clone())
            .bind(t.family.clone())
            .bind(owned(t.pool_uid.as_str()))
            .bind(owned(t.client_uid.as_str()))
            .bind(owned(t.user_uid.as_str()))
            .bind(t.scope.clone())
            .bind(t.session_id.clone())
            .bind(t.auth_time.millis())
            .bind(t.created_at.millis())
            .bind(t.expires_at.millis())
            .bind(t.family_expires_at.millis())
            .bind(t.used_at.map(Timestamp::millis))
            .bind(i64::from(t.revoked))
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn spend_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
        rotate: bool,
        now: Timestamp,
    ) -> DomainResult<RefreshSpend> {
        let Some(token) = self.find_refresh(pool, token_hash).await? else {
            return Ok(RefreshSpend::Invalid);
        };
        if token.revoked || token.expires_at <= now || token.family_expires_at <= now {
            return Ok(RefreshSpend::Invalid);
        }
        if !rotate {
            return Ok(RefreshSpend::Spent(Box::new(token)));
        }
        // Exactly one request can move used_at from NULL; any other use is a reuse.
        let spent = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 \
             WHERE pool_uid = $2 AND token_hash = $3 AND used_at IS NULL AND revoked = 0",
        )
        .bind(now.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(token_hash))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        if spent.rows_affected() == 1 {
            return Ok(RefreshSpend::Spent(Box::new(RefreshRecord {
                used_at: Some(now),
                ..token
            })));
        }
        self.revoke_family(pool, &token.family).await?;
        Ok(RefreshSpend::Reused)
    }

    async fn revoke_refresh(&self, pool: &UserPoolUid, token_hash: &str) -> DomainResult<bool> {
        let Some(token) = self.find_refresh(pool, token_hash).await? else {
            return Ok(false);
        };
        self.revoke_family(pool, &token.family).await?;
        Ok(true)
    }

    async fn revoke_session_tokens(
        &self,
        pool: &UserPoolUid,
        session_id: &str,
    ) -> DomainResult<()> {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked = 1 WHERE pool_uid = $1 AND session_id = $2",
        )
        .bind(owned(pool.as_str()))
        .bind(owned(session_id))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn find_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
    ) -> DomainResult<Option<RefreshRecord>> {
        let sql = format!(
            "SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE pool_uid = $1 AND token_hash = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owned(pool.as_str()))
            .bind(owned(token_hash))
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.as_ref().map(refresh_from).transpose().map_err(internal)
    }

    async fn revoke_access_token(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        expires_at: Timestamp,
    ) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, pool_uid, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(owned(jti))
        .bind(owned(pool.as_str()))
        .bind(expires_at.millis())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn is_access_token_revoked(&self, pool: &UserPoolUid, jti: &str) -> DomainResult<bool> {
        let row = sqlx::query("SELECT 1 FROM revoked_tokens WHERE pool_uid = $1 AND jti = $2")
            .bind(owned(pool.as_str()))
            .bind(owned(jti))
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        Ok(row.is_some())
    }

    async fn insert_session(&self, s: &LoginSession) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO login_sessions (id_hash, pool_uid, user_uid, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.id_hash.clone())
        .bind(owned(s.pool_uid.as_str()))
        .bind(owned(s.user_uid.as_str()))
        .bind(s.created_at.millis())
        .bind(s.expires_at.millis())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn session(
        &self,
        pool: &UserPoolUid,
        id_hash: &str,
    ) -> DomainResult<Option<LoginSession>> {
        let row = sqlx::query(
            "SELECT id_hash, pool_uid, user_uid, created_at, expires_at FROM login_sessions \
             WHERE pool_uid = $1 AND id_hash = $2",
        )
        .bind(owned(pool.as_str()))
        .bind(owned(id_hash))
        .fetch_optional(&self.pool)
        .await
        .map_err(internal)?;
        row.as_ref().map(session_from).transpose().map_err(internal)
    }

    async fn delete_session(&self, pool: &UserPoolUid, id_hash: &str) -> DomainResult<()> {
        sqlx::query("DELETE FROM login_sessions WHERE pool_uid = $1 AND id_hash = $2")
            .bind(owned(pool.as_str()))
            .bind(owned(id_hash))
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }
}

impl SqlStore {
    async fn revoke_family(&self, pool: &UserPoolUid, family: &str) -> DomainResult<()> {
        sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE pool_uid = $1 AND family = $2")
            .bind(owned(pool.as_str()))
            .bind(owned(family))
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }
}
