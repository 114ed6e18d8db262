//! The data plane's records: signing keys, codes, refresh tokens, revocations, sessions.

use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult};
use idplane_core::identifiers::Attribute;
use idplane_core::ids::{ClientUid, UserPoolUid, UserUid};
use idplane_core::model::pool::UserPool;
use idplane_core::model::sign_in::{
    AuthCode, CodeRedemption, Grant, GrantStart, LoginSession, RefreshRecord, RefreshSpend,
    SigningKeyRecord,
};
use idplane_core::model::user::User;
use idplane_core::store::SignInStore;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::internal;
use crate::pools::{POOL_COLUMNS, pool_from};
use crate::sql::Sql;
use crate::{Dialect, SqlStore};

const CODE_COLUMNS: &str = "code_hash, pool_uid, client_uid, user_uid, redirect_uri, scope, nonce, \
     code_challenge, session_id, auth_time, expires_at, generation";
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
        generation: row.try_get("generation")?,
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
        generation: row.try_get("generation")?,
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

    async fn user_by_identifier(
        &self,
        pool: &UserPoolUid,
        keys: &[String],
        attributes: &[Attribute],
    ) -> DomainResult<Option<User>> {
        if keys.is_empty() || attributes.is_empty() {
            return Ok(None);
        }
        let mut sql = Sql::new(&format!(
            "{} WHERE u.pool_uid = ",
            crate::users::select_users()
        ));
        let p = sql.text_param(pool.as_str());
        sql.push(&format!(
            "{p} AND u.uid IN (SELECT i.user_uid FROM user_identifiers i WHERE i.pool_uid = {p}"
        ));
        let keys: Vec<String> = keys.iter().map(|k| sql.text_param(k.clone())).collect();
        sql.push(&format!(" AND i.match_key IN ({})", keys.join(", ")));
        let attrs: Vec<String> = attributes
            .iter()
            .map(|a| sql.text_param(a.as_str()))
            .collect();
        sql.push(&format!(
            " AND i.attribute IN ({})) LIMIT 2",
            attrs.join(", ")
        ));
        let rows = sql.query().fetch_all(&self.pool).await.map_err(internal)?;
        if rows.len() > 1 {
            return Err(DomainError::internal(
                "a sign-in identifier names two users of one pool",
            ));
        }
        rows.first().map(crate::users::user_from).transpose()
    }

    async fn record_sign_in(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()> {
        sqlx::query(
            "UPDATE users SET latest_login = $1, num_logins = num_logins + 1, failed_sign_ins = 0, \
               locked_until = 0 \
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

    async fn lock_user_until(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        until: Timestamp,
    ) -> DomainResult<()> {
        sqlx::query(
            "UPDATE users SET locked_until = $1 WHERE pool_uid = $2 AND uid = $3 AND locked_until < $1",
        )
        .bind(until.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(user.as_str()))
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    async fn change_forced_password(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        generation: i64,
        password_hash: &str,
        now: Timestamp,
    ) -> DomainResult<bool> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        let changed = sqlx::query(
            "UPDATE users SET password_hash = $1, pwd_need_reset = 0, updated_at = $2, \
               generation = generation + 1, failed_sign_ins = 0, locked_until = 0, \
               state = CASE WHEN state IN ('FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED') \
                            THEN 'CONFIRMED' ELSE state END \
             WHERE pool_uid = $3 AND uid = $4 AND generation = $5 \
               AND (state IN ('FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED') \
                    OR (pwd_need_reset = 1 AND state IN ('CONFIRMED', 'UNCONFIRMED', 'EXTERNAL_PROVIDER')))",
        )
        .bind(owned(password_hash))
        .bind(now.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(user.as_str()))
        .bind(generation)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        end_access(&mut tx, user).await?;
        tx.commit().await.map_err(internal)?;
        Ok(true)
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
            "INSERT INTO auth_codes ({CODE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
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
            .bind(c.generation)
            .execute(&self.pool)
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        pool: &UserPoolUid,
        code_hash: &str,
        grant: &GrantStart,
    ) -> DomainResult<CodeRedemption> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        let sql = format!(
            "UPDATE auth_codes SET redeemed_at = $1, grant_id = $2 \
             WHERE pool_uid = $3 AND code_hash = $4 AND redeemed_at IS NULL RETURNING {CODE_COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(grant.created_at.millis())
            .bind(grant.id.clone())
            .bind(owned(pool.as_str()))
            .bind(owned(code_hash))
            .fetch_optional(&mut *tx)
            .await
            .map_err(internal)?;
        if let Some(row) = row {
            let code = code_from(&row).map_err(internal)?;
            let made = Grant {
                id: grant.id.clone(),
                pool_uid: pool.clone(),
                client_uid: code.client_uid.clone(),
                user_uid: code.user_uid.clone(),
                generation: code.generation,
                session_id: code.session_id.clone(),
                created_at: grant.created_at,
                expires_at: grant.expires_at,
            };
            insert_grant(&mut tx, &made).await?;
            tx.commit().await.map_err(internal)?;
            return Ok(CodeRedemption::Redeemed(Box::new(code)));
        }
        let earlier =
            sqlx::query("SELECT grant_id FROM auth_codes WHERE pool_uid = $1 AND code_hash = $2")
                .bind(owned(pool.as_str()))
                .bind(owned(code_hash))
                .fetch_optional(&mut *tx)
                .await
                .map_err(internal)?;
        let Some(earlier) = earlier else {
            return Ok(CodeRedemption::Unknown);
        };
        if let Some(grant_id) = earlier
            .try_get::<Option<String>, _>("grant_id")
            .map_err(internal)?
        {
            revoke_grant(&mut tx, pool, &grant_id).await?;
        }
        tx.commit().await.map_err(internal)?;
        Ok(CodeRedemption::Replayed)
    }

    async fn insert_grant(&self, grant: &Grant) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        insert_grant(&mut tx, grant).await?;
        tx.commit().await.map_err(internal)
    }

    async fn revoke_grant(&self, pool: &UserPoolUid, grant_id: &str) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        revoke_grant(&mut tx, pool, grant_id).await?;
        tx.commit().await.map_err(internal)
    }

    async fn insert_refresh(&self, t: &RefreshRecord) -> DomainResult<()> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        insert_refresh(&mut tx, t).await?;
        tx.commit().await.map_err(internal)
    }

    async fn spend_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
        next: Option<&RefreshRecord>,
        now: Timestamp,
    ) -> DomainResult<RefreshSpend> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        let Some(token) = find_refresh(&mut tx, self.dialect, pool, token_hash, true).await? else {
            return Ok(RefreshSpend::Invalid);
        };
        if token.revoked || token.expires_at <= now || token.family_expires_at <= now {
            return Ok(RefreshSpend::Invalid);
        }
        let Some(next) = next else {
            return Ok(RefreshSpend::Spent(Box::new(token)));
        };
        // The grant's lock orders this against every other spend of it; the statement reads
        // what they committed, so only one request moves `used_at` from NULL.
        let spent = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 \
             WHERE pool_uid = $2 AND token_hash = $3 AND used_at IS NULL",
        )
        .bind(now.millis())
        .bind(owned(pool.as_str()))
        .bind(owned(token_hash))
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if token.used_at.is_some() || spent.rows_affected() == 0 {
            revoke_grant(&mut tx, pool, &token.family).await?;
            tx.commit().await.map_err(internal)?;
            return Ok(RefreshSpend::Reused);
        }
        insert_refresh(
            &mut tx,
            &RefreshRecord {
                family: token.family.clone(),
                ..next.clone()
            },
        )
        .await?;
        tx.commit().await.map_err(internal)?;
        Ok(RefreshSpend::Spent(Box::new(RefreshRecord {
            used_at: Some(now),
            ..token
        })))
    }

    async fn revoke_refresh(&self, pool: &UserPoolUid, token_hash: &str) -> DomainResult<bool> {
        let mut tx = self.begin_write().await.map_err(internal)?;
        let Some(token) = find_refresh(&mut tx, self.dialect, pool, token_hash, true).await? else {
            return Ok(false);
        };
        revoke_grant(&mut tx, pool, &token.family).await?;
        tx.commit().await.map_err(internal)?;
        Ok(true)
    }

    async fn revoke_session_tokens(
        &self,
        pool: &UserPoolUid,
        session_id: &str,
    ) -> DomainResult<()> {
        sqlx::query("UPDATE grants SET revoked = 1 WHERE pool_uid = $1 AND session_id = $2")
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
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        find_refresh(&mut conn, self.dialect, pool, token_hash, false).await
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

    async fn access_token_live(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        grant: Option<&str>,
    ) -> DomainResult<bool> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM revoked_tokens WHERE pool_uid = $1 AND jti = $2) AS revoked, \
               (SELECT COUNT(*) FROM grants g JOIN users u ON u.uid = g.user_uid \
                 WHERE g.pool_uid = $1 AND g.id = $3 AND g.revoked = 0 \
                   AND g.generation = u.generation) AS live_grants",
        )
        .bind(owned(pool.as_str()))
        .bind(owned(jti))
        .bind(grant.unwrap_or_default().to_owned())
        .fetch_one(&self.pool)
        .await
        .map_err(internal)?;
        let revoked: i64 = row.try_get("revoked").map_err(internal)?;
        let live_grants: i64 = row.try_get("live_grants").map_err(internal)?;
        Ok(revoked == 0 && (grant.is_none() || live_grants > 0))
    }

    async fn insert_session(&self, s: &LoginSession) -> DomainResult<()> {
        sqlx::query(
            "INSERT INTO login_sessions (id_hash, pool_uid, user_uid, created_at, expires_at, generation) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.id_hash.clone())
        .bind(owned(s.pool_uid.as_str()))
        .bind(owned(s.user_uid.as_str()))
        .bind(s.created_at.millis())
        .bind(s.expires_at.millis())
        .bind(s.generation)
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
            "SELECT id_hash, pool_uid, user_uid, created_at, expires_at, generation \
             FROM login_sessions WHERE pool_uid = $1 AND id_hash = $2",
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

/// Ends everything a user's sign-ins left, inside a write that moved the user's generation on:
/// the grants are revoked (refresh tokens, and access tokens at userinfo and introspection) and
/// the hosted-page sessions deleted.
pub(crate) async fn end_access(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &UserUid,
) -> DomainResult<()> {
    sqlx::query("UPDATE grants SET revoked = 1 WHERE user_uid = $1 AND revoked = 0")
        .bind(owned(user.as_str()))
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    sqlx::query("DELETE FROM login_sessions WHERE user_uid = $1")
        .bind(owned(user.as_str()))
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(())
}

async fn insert_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    g: &Grant,
) -> DomainResult<()> {
    sqlx::query(
        "INSERT INTO grants (id, pool_uid, client_uid, user_uid, generation, session_id, revoked, \
           created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(g.id.clone())
    .bind(owned(g.pool_uid.as_str()))
    .bind(owned(g.client_uid.as_str()))
    .bind(owned(g.user_uid.as_str()))
    .bind(g.generation)
    .bind(g.session_id.clone())
    .bind(g.created_at.millis())
    .bind(g.expires_at.millis())
    .execute(&mut **tx)
    .await
    .map_err(internal)?;
    Ok(())
}

async fn revoke_grant(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    pool: &UserPoolUid,
    grant_id: &str,
) -> DomainResult<()> {
    sqlx::query("UPDATE grants SET revoked = 1 WHERE pool_uid = $1 AND id = $2")
        .bind(owned(pool.as_str()))
        .bind(owned(grant_id))
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(())
}

async fn insert_refresh(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    t: &RefreshRecord,
) -> DomainResult<()> {
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
        .execute(&mut **tx)
        .await
        .map_err(internal)?;
    Ok(())
}

/// A refresh token with its grant's standing folded into `revoked` (the grant revoked, or of
/// another generation than its user's). With `lock`, PostgreSQL locks the grant's row for the
/// rest of the transaction, so spending, reuse detection and revocation of one grant happen
/// one after another (SQLite's write transactions already do).
async fn find_refresh(
    conn: &mut sqlx::AnyConnection,
    dialect: Dialect,
    pool: &UserPoolUid,
    token_hash: &str,
    lock: bool,
) -> DomainResult<Option<RefreshRecord>> {
    let columns = REFRESH_COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let lock = if lock && dialect == Dialect::Postgres {
        " FOR UPDATE OF g"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {columns}, g.revoked AS grant_revoked, \
           CAST(CASE WHEN g.generation = u.generation THEN 1 ELSE 0 END AS BIGINT) AS grant_current \
         FROM refresh_tokens r JOIN grants g ON g.id = r.family \
           JOIN users u ON u.uid = g.user_uid \
         WHERE r.pool_uid = $1 AND r.token_hash = $2{lock}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(owned(pool.as_str()))
        .bind(owned(token_hash))
        .fetch_optional(&mut *conn)
        .await
        .map_err(internal)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut record = refresh_from(&row).map_err(internal)?;
    let grant_revoked: i64 = row.try_get("grant_revoked").map_err(internal)?;
    let grant_current: i64 = row.try_get("grant_current").map_err(internal)?;
    record.revoked = record.revoked || grant_revoked != 0 || grant_current == 0;
    Ok(Some(record))
}
