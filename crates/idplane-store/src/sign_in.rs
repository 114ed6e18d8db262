//! The data plane's records: signing keys, codes, refresh tokens, revocations, sessions.

use crate::SqlStore;
use crate::backend::{Conn, RowLock};
use crate::error::DbError;
use crate::row::Columns;
use crate::sql::{Sql, sql};
use async_trait::async_trait;
use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, DomainResult, Kind};
use idplane_core::identifiers::Attribute;
use idplane_core::ids::{ClientUid, UserPoolUid, UserUid};
use idplane_core::model::sign_in::{
    AuthCode, CodeRedemption, Grant, GrantStart, LoginSession, RefreshRecord, RefreshSpend,
    SigningKeyRecord,
};
use idplane_core::model::user::User;
use idplane_core::store::SignInStore;

const CODE_COLUMNS: &str = "code_hash, pool_uid, client_uid, user_uid, redirect_uri, scope, nonce, \
     code_challenge, session_id, auth_time, expires_at, generation";
const REFRESH_COLUMNS: &str = "token_hash, family, pool_uid, client_uid, user_uid, scope, \
     session_id, auth_time, created_at, expires_at, family_expires_at, used_at, revoked";

fn ts(row: &dyn Columns, column: &str) -> DomainResult<Timestamp> {
    Ok(Timestamp::from_millis(row.get(column)?))
}

fn code_from(row: &dyn Columns) -> DomainResult<AuthCode> {
    Ok(AuthCode {
        code_hash: row.get("code_hash")?,
        pool_uid: UserPoolUid::from_stored(row.get("pool_uid")?),
        client_uid: ClientUid::from_stored(row.get("client_uid")?),
        user_uid: UserUid::from_stored(row.get("user_uid")?),
        redirect_uri: row.get("redirect_uri")?,
        scope: row.get("scope")?,
        nonce: row.get("nonce")?,
        code_challenge: row.get("code_challenge")?,
        session_id: row.get("session_id")?,
        auth_time: ts(row, "auth_time")?,
        expires_at: ts(row, "expires_at")?,
        generation: row.get("generation")?,
    })
}

fn refresh_from(row: &dyn Columns) -> DomainResult<RefreshRecord> {
    Ok(RefreshRecord {
        token_hash: row.get("token_hash")?,
        family: row.get("family")?,
        pool_uid: UserPoolUid::from_stored(row.get("pool_uid")?),
        client_uid: ClientUid::from_stored(row.get("client_uid")?),
        user_uid: UserUid::from_stored(row.get("user_uid")?),
        scope: row.get("scope")?,
        session_id: row.get("session_id")?,
        auth_time: ts(row, "auth_time")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        family_expires_at: ts(row, "family_expires_at")?,
        used_at: row.opt_int("used_at")?.map(Timestamp::from_millis),
        revoked: row.int("revoked")? != 0,
    })
}

fn key_from(row: &dyn Columns) -> DomainResult<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        kid: row.get("kid")?,
        pool_uid: UserPoolUid::from_stored(row.get("pool_uid")?),
        algorithm: row.get("algorithm")?,
        sealed_private: row.get("sealed_private")?,
        public_jwk: row.get("public_jwk")?,
        created_at: ts(row, "created_at")?,
        retired_at: row.opt_int("retired_at")?.map(Timestamp::from_millis),
    })
}

fn session_from(row: &dyn Columns) -> DomainResult<LoginSession> {
    Ok(LoginSession {
        id_hash: row.get("id_hash")?,
        pool_uid: UserPoolUid::from_stored(row.get("pool_uid")?),
        user_uid: UserUid::from_stored(row.get("user_uid")?),
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        generation: row.get("generation")?,
    })
}

fn owned(v: &str) -> String {
    v.to_owned()
}

#[async_trait]
impl SignInStore for SqlStore {
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
        let mut users = self.db.fetch(sql, crate::users::user_from).await?;
        if users.len() > 1 {
            return Err(DomainError::internal(
                "a sign-in identifier names two users of one pool",
            ));
        }
        Ok(users.pop())
    }

    async fn record_sign_in(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        at: Timestamp,
    ) -> DomainResult<()> {
        self.db.execute(sql!(
            "UPDATE users SET latest_login = $1, num_logins = num_logins + 1, failed_sign_ins = 0, \
               locked_until = 0 \
             WHERE pool_uid = $2 AND uid = $3",
            at.millis(),
            owned(pool.as_str()),
            owned(user.as_str())
        ))
        .await?;
        Ok(())
    }

    async fn record_failed_sign_in(&self, pool: &UserPoolUid, user: &UserUid) -> DomainResult<i64> {
        let sql = sql!(
            "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 \
             WHERE pool_uid = $1 AND uid = $2 RETURNING failed_sign_ins",
            pool.as_str(),
            user.as_str()
        );
        let mut writer = self.db.writer().await?;
        let failed = writer
            .fetch_optional(sql, |row| row.int("failed_sign_ins"))
            .await?;
        Ok(failed.unwrap_or(0))
    }

    async fn lock_user_until(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        until: Timestamp,
    ) -> DomainResult<()> {
        self.db.execute(sql!(
            "UPDATE users SET locked_until = $1 WHERE pool_uid = $2 AND uid = $3 AND locked_until < $1",
            until.millis(),
            owned(pool.as_str()),
            owned(user.as_str())
        ))
        .await?;
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
        let mut tx = self.db.write().await?;
        let changed = tx.execute(sql!(
            "UPDATE users SET password_hash = $1, pwd_need_reset = 0, updated_at = $2, \
               generation = generation + 1, failed_sign_ins = 0, locked_until = 0, \
               state = CASE WHEN state IN ('FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED') \
                            THEN 'CONFIRMED' ELSE state END \
             WHERE pool_uid = $3 AND uid = $4 AND generation = $5 \
               AND (state IN ('FORCE_CHANGE_PASSWORD', 'RESET_REQUIRED') \
                    OR (pwd_need_reset = 1 AND state IN ('CONFIRMED', 'UNCONFIRMED', 'EXTERNAL_PROVIDER')))",
            owned(password_hash),
            now.millis(),
            owned(pool.as_str()),
            owned(user.as_str()),
            generation
        ))
        .await?;
        if changed == 0 {
            return Ok(false);
        }
        crate::users::refresh_member_keys(&mut tx, user).await?;
        end_access(&mut tx, user).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn signing_keys(&self, pool: &UserPoolUid) -> DomainResult<Vec<SigningKeyRecord>> {
        let sql = sql!(
            "SELECT kid, pool_uid, algorithm, sealed_private, public_jwk, created_at, retired_at \
             FROM signing_keys WHERE pool_uid = $1 ORDER BY created_at DESC, kid DESC",
            pool.as_str()
        );
        Ok(self.db.fetch(sql, key_from).await?)
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> DomainResult<()> {
        self.db.execute(sql!(
            "INSERT INTO signing_keys (kid, pool_uid, algorithm, sealed_private, public_jwk, created_at, retired_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            key.kid.clone(),
            owned(key.pool_uid.as_str()),
            key.algorithm.clone(),
            key.sealed_private.clone(),
            key.public_jwk.clone(),
            key.created_at.millis(),
            key.retired_at.map(Timestamp::millis)
        ))
        .await
        .map_err(|e| match e {
            // The pool was deleted after it was read: it is gone, not broken.
            DbError::ForeignKey(_) => DomainError::not_found(Kind::UserPool, key.pool_uid.as_str()),
            e => e.into(),
        })?;
        Ok(())
    }

    async fn retire_signing_keys(
        &self,
        pool: &UserPoolUid,
        keep: &str,
        at: Timestamp,
    ) -> DomainResult<u64> {
        let result = self
            .db
            .execute(sql!(
                "UPDATE signing_keys SET retired_at = $1 \
             WHERE pool_uid = $2 AND kid <> $3 AND retired_at IS NULL",
                at.millis(),
                owned(pool.as_str()),
                owned(keep)
            ))
            .await?;
        Ok(result)
    }

    async fn insert_code(&self, c: &AuthCode) -> DomainResult<()> {
        let sql = format!(
            "INSERT INTO auth_codes ({CODE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        self.db
            .execute(sql!(
                &sql,
                c.code_hash.clone(),
                owned(c.pool_uid.as_str()),
                owned(c.client_uid.as_str()),
                owned(c.user_uid.as_str()),
                c.redirect_uri.clone(),
                c.scope.clone(),
                c.nonce.clone(),
                c.code_challenge.clone(),
                c.session_id.clone(),
                c.auth_time.millis(),
                c.expires_at.millis(),
                c.generation
            ))
            .await?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        pool: &UserPoolUid,
        code_hash: &str,
        grant: &GrantStart,
    ) -> DomainResult<CodeRedemption> {
        let mut tx = self.db.write().await?;
        let sql = format!(
            "UPDATE auth_codes SET redeemed_at = $1, grant_id = $2 \
             WHERE pool_uid = $3 AND code_hash = $4 AND redeemed_at IS NULL RETURNING {CODE_COLUMNS}"
        );
        let sql = sql!(
            &sql,
            grant.created_at.millis(),
            &grant.id,
            pool.as_str(),
            code_hash
        );
        if let Some(code) = tx.fetch_optional(sql, code_from).await? {
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
            tx.commit().await?;
            return Ok(CodeRedemption::Redeemed(Box::new(code)));
        }
        let sql = sql!(
            "SELECT grant_id FROM auth_codes WHERE pool_uid = $1 AND code_hash = $2",
            pool.as_str(),
            code_hash
        );
        let Some(earlier) = tx
            .fetch_optional(sql, |row| row.opt_text("grant_id"))
            .await?
        else {
            return Ok(CodeRedemption::Unknown);
        };
        if let Some(grant_id) = earlier {
            revoke_grant(&mut tx, pool, &grant_id).await?;
        }
        tx.commit().await?;
        Ok(CodeRedemption::Replayed)
    }

    async fn insert_grant(&self, grant: &Grant) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        insert_grant(&mut tx, grant).await?;
        Ok(tx.commit().await?)
    }

    async fn revoke_grant(&self, pool: &UserPoolUid, grant_id: &str) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        revoke_grant(&mut tx, pool, grant_id).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_refresh(&self, t: &RefreshRecord) -> DomainResult<()> {
        let mut tx = self.db.write().await?;
        insert_refresh(&mut tx, t).await?;
        Ok(tx.commit().await?)
    }

    async fn spend_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
        next: Option<&RefreshRecord>,
        now: Timestamp,
    ) -> DomainResult<RefreshSpend> {
        let mut tx = self.db.write().await?;
        let Some(token) = find_refresh(&mut tx, pool, token_hash, true).await? else {
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
        let spent = tx
            .execute(sql!(
                "UPDATE refresh_tokens SET used_at = $1 \
             WHERE pool_uid = $2 AND token_hash = $3 AND used_at IS NULL",
                now.millis(),
                owned(pool.as_str()),
                owned(token_hash)
            ))
            .await?;
        if token.used_at.is_some() || spent == 0 {
            revoke_grant(&mut tx, pool, &token.family).await?;
            tx.commit().await?;
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
        tx.commit().await?;
        Ok(RefreshSpend::Spent(Box::new(RefreshRecord {
            used_at: Some(now),
            ..token
        })))
    }

    async fn revoke_refresh(&self, pool: &UserPoolUid, token_hash: &str) -> DomainResult<bool> {
        let mut tx = self.db.write().await?;
        let Some(token) = find_refresh(&mut tx, pool, token_hash, true).await? else {
            return Ok(false);
        };
        revoke_grant(&mut tx, pool, &token.family).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn find_refresh(
        &self,
        pool: &UserPoolUid,
        token_hash: &str,
    ) -> DomainResult<Option<RefreshRecord>> {
        let mut conn = self.db.reader().await?;
        find_refresh(&mut conn, pool, token_hash, false).await
    }

    async fn revoke_access_token(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        expires_at: Timestamp,
    ) -> DomainResult<()> {
        self.db
            .execute(sql!(
                "INSERT INTO revoked_tokens (jti, pool_uid, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (jti) DO NOTHING",
                owned(jti),
                owned(pool.as_str()),
                expires_at.millis()
            ))
            .await?;
        Ok(())
    }

    async fn access_token_live(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        grant: Option<&str>,
    ) -> DomainResult<bool> {
        let sql = sql!(
            "SELECT \
               (SELECT COUNT(*) FROM revoked_tokens WHERE pool_uid = $1 AND jti = $2) AS revoked, \
               (SELECT COUNT(*) FROM grants g JOIN users u ON u.uid = g.user_uid \
                 WHERE g.pool_uid = $1 AND g.id = $3 AND g.revoked = 0 \
                   AND g.generation = u.generation) AS live_grants",
            pool.as_str(),
            jti,
            grant.unwrap_or_default()
        );
        let (revoked, live_grants) = self
            .db
            .fetch_one(sql, |row| {
                Ok((row.int("revoked")?, row.int("live_grants")?))
            })
            .await?;
        Ok(revoked == 0 && (grant.is_none() || live_grants > 0))
    }

    async fn insert_session(&self, s: &LoginSession) -> DomainResult<()> {
        self.db.execute(sql!(
            "INSERT INTO login_sessions (id_hash, pool_uid, user_uid, created_at, expires_at, generation) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            s.id_hash.clone(),
            owned(s.pool_uid.as_str()),
            owned(s.user_uid.as_str()),
            s.created_at.millis(),
            s.expires_at.millis(),
            s.generation
        ))
        .await?;
        Ok(())
    }

    async fn session(
        &self,
        pool: &UserPoolUid,
        id_hash: &str,
    ) -> DomainResult<Option<LoginSession>> {
        let sql = sql!(
            "SELECT id_hash, pool_uid, user_uid, created_at, expires_at, generation \
             FROM login_sessions WHERE pool_uid = $1 AND id_hash = $2",
            pool.as_str(),
            id_hash
        );
        Ok(self.db.fetch_optional(sql, session_from).await?)
    }

    async fn end_session(
        &self,
        pool: &UserPoolUid,
        id_hash: &str,
    ) -> DomainResult<Option<LoginSession>> {
        let mut tx = self.db.write().await?;
        let ended = tx
            .fetch_optional(
                sql!(
                    "DELETE FROM login_sessions WHERE pool_uid = $1 AND id_hash = $2 \
                     RETURNING id_hash, pool_uid, user_uid, created_at, expires_at, generation",
                    owned(pool.as_str()),
                    owned(id_hash)
                ),
                session_from,
            )
            .await?;
        tx.execute(sql!(
            "UPDATE grants SET revoked = 1 WHERE pool_uid = $1 AND session_id = $2",
            owned(pool.as_str()),
            owned(id_hash)
        ))
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}

/// Ends everything a user's sign-ins left, inside a write that moved the user's generation on:
/// the grants are revoked (refresh tokens, and access tokens at userinfo and introspection) and
/// the hosted-page sessions deleted.
pub(crate) async fn end_access(tx: &mut Conn, user: &UserUid) -> DomainResult<()> {
    tx.execute(sql!(
        "UPDATE grants SET revoked = 1 WHERE user_uid = $1 AND revoked = 0",
        owned(user.as_str())
    ))
    .await?;
    tx.execute(sql!(
        "DELETE FROM login_sessions WHERE user_uid = $1",
        owned(user.as_str())
    ))
    .await?;
    Ok(())
}

async fn insert_grant(tx: &mut Conn, g: &Grant) -> DomainResult<()> {
    tx.execute(sql!(
        "INSERT INTO grants (id, pool_uid, client_uid, user_uid, generation, session_id, revoked, \
           created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        g.id.clone(),
        owned(g.pool_uid.as_str()),
        owned(g.client_uid.as_str()),
        owned(g.user_uid.as_str()),
        g.generation,
        g.session_id.clone(),
        g.created_at.millis(),
        g.expires_at.millis()
    ))
    .await?;
    Ok(())
}

async fn revoke_grant(tx: &mut Conn, pool: &UserPoolUid, grant_id: &str) -> DomainResult<()> {
    tx.execute(sql!(
        "UPDATE grants SET revoked = 1 WHERE pool_uid = $1 AND id = $2",
        owned(pool.as_str()),
        owned(grant_id)
    ))
    .await?;
    Ok(())
}

async fn insert_refresh(tx: &mut Conn, t: &RefreshRecord) -> DomainResult<()> {
    let sql = format!(
        "INSERT INTO refresh_tokens ({REFRESH_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    tx.execute(sql!(
        &sql,
        t.token_hash.clone(),
        t.family.clone(),
        owned(t.pool_uid.as_str()),
        owned(t.client_uid.as_str()),
        owned(t.user_uid.as_str()),
        t.scope.clone(),
        t.session_id.clone(),
        t.auth_time.millis(),
        t.created_at.millis(),
        t.expires_at.millis(),
        t.family_expires_at.millis(),
        t.used_at.map(Timestamp::millis),
        i64::from(t.revoked)
    ))
    .await?;
    Ok(())
}

/// A refresh token with its grant's standing folded into `revoked` (the grant revoked, or of
/// another generation than its user's). With `lock`, PostgreSQL locks the grant's row for the
/// rest of the transaction, so spending, reuse detection and revocation of one grant happen
/// one after another (SQLite's write transactions already do).
async fn find_refresh(
    conn: &mut Conn,
    pool: &UserPoolUid,
    token_hash: &str,
    lock: bool,
) -> DomainResult<Option<RefreshRecord>> {
    let columns = REFRESH_COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let lock = if lock {
        conn.row_lock(RowLock::UpdateOfG)
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
    let read = |row: &dyn Columns| {
        Ok((
            refresh_from(row)?,
            row.int("grant_revoked")?,
            row.int("grant_current")?,
        ))
    };
    let found = conn
        .fetch_optional(sql!(&sql, pool.as_str(), token_hash), read)
        .await?;
    let Some((mut record, grant_revoked, grant_current)) = found else {
        return Ok(None);
    };
    record.revoked = record.revoked || grant_revoked != 0 || grant_current == 0;
    Ok(Some(record))
}
