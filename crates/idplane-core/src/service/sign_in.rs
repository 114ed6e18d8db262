//! Signing users in and what it leaves behind: password checks with timed lockout, hosted-page
//! sessions, authorization codes, grants, refresh tokens, revoked access tokens and the pools'
//! signing-key records. The OIDC provider asks this service; it never reads the store itself.
//!
//! Bearer secrets (codes, refresh tokens, session cookies) come in and go out in clear and are
//! stored only under their [`bearer::lookup_hash`].
//!
//! The answers never tell more than the caller proved: an unknown identifier, a wrong password
//! and a user who may not sign in (disabled, locked by an administrator, unconfirmed, expired)
//! all get [`SignInError::Failed`], at the same cost; an identifier with too many recent
//! failures gets [`SignInError::Locked`] whether or not it names a user and whatever the
//! password (OWASP ASVS 4.0 V2.2.1, NIST SP 800-63B §5.2.2).

use std::sync::Arc;
use std::time::Duration;

use crate::bearer;
use crate::clock::{Clock, Timestamp};
use crate::crypto;
use crate::error::DomainResult;
use crate::identifiers::{self, Attribute};
use crate::ids::{ClientUid, UserPoolUid, UserUid};
use crate::model::client::Client;
use crate::model::pool::UserPool;
use crate::model::sign_in::{
    AuthCode, CodeRedemption, Grant, GrantStart, LoginSession, RefreshRecord, RefreshSpend,
    SigningKeyRecord,
};
use crate::model::user::{User, UserState};
use crate::service::{Directory, PoolAccess};
use crate::store::SignInStore;
use crate::throttle::{Subject, Throttle};

/// How long what sign-in hands out lasts.
#[derive(Debug, Clone, Copy)]
pub struct SignInLifetimes {
    /// A hosted-page session, without signing in again.
    pub session_seconds: i64,
    /// An authorization code waiting to be redeemed.
    pub code_seconds: i64,
}

impl Default for SignInLifetimes {
    fn default() -> Self {
        Self {
            session_seconds: 8 * 3600,
            code_seconds: 300,
        }
    }
}

/// Why a password sign-in did not succeed.
#[derive(Debug)]
pub enum SignInError {
    /// Unknown user, wrong password, password sign-in off, or a user who may not sign in.
    Failed,
    /// Too many failed passwords for this identifier: refused for the time given, whatever
    /// the password.
    Locked(Duration),
    /// Right password, but it must be changed first (FORCE_CHANGE_PASSWORD, RESET_REQUIRED).
    MustChangePassword(Box<User>),
}

/// A hosted-page session just started.
pub struct StartedSession {
    /// The cookie value (shown to the browser once, stored only as `id`).
    pub cookie: String,
    /// The session's id: the cookie's lookup hash, which grants and codes name.
    pub id: String,
    pub seconds: i64,
}

/// What an authorization code is issued for.
pub struct CodeFor<'a> {
    pub client: &'a ClientUid,
    pub user: &'a User,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub session_id: &'a str,
    pub auth_time: Timestamp,
}

/// Sign-in over one store.
#[derive(Clone)]
pub struct SignInService {
    store: Arc<dyn SignInStore>,
    directory: Directory,
    clock: Arc<dyn Clock>,
    throttle: Arc<Throttle>,
    lifetimes: SignInLifetimes,
    /// Verified against when a user does not exist, so a miss costs what a hit costs.
    decoy_hash: Arc<str>,
}

impl SignInService {
    /// The service, with a decoy password hash made on the password threads.
    pub async fn new(
        store: Arc<dyn SignInStore>,
        directory: Directory,
        clock: Arc<dyn Clock>,
        throttle: Arc<Throttle>,
        lifetimes: SignInLifetimes,
    ) -> DomainResult<Self> {
        let decoy_hash = directory
            .passwords()
            .hash(crypto::generate_secret())
            .await?;
        Ok(Self {
            store,
            directory,
            clock,
            throttle,
            lifetimes,
            decoy_hash: decoy_hash.into(),
        })
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn lifetimes(&self) -> SignInLifetimes {
        self.lifetimes
    }

    /// Whether a user may hold tokens right now (sign-in, refresh, userinfo).
    pub fn may_sign_in(&self, pool: &UserPool, user: &User) -> bool {
        let state_ok = match user.state {
            UserState::Confirmed | UserState::ExternalProvider => true,
            UserState::Unconfirmed => pool.settings.unconfirmed_user_sign_in_enabled,
            UserState::ResetRequired
            | UserState::ForceChangePassword
            | UserState::Disabled
            | UserState::Locked => false,
        };
        state_ok && user.expiration_time.is_none_or(|t| t > self.now())
    }

    /// Checks `identifier` + `password` against the pool. On success the user's sign-in is
    /// recorded (LatestLogin, NumLogins, monthly activity); a wrong password counts towards
    /// the user's timed lockout, an unknown identifier towards its own.
    pub async fn password(
        &self,
        pool: &UserPool,
        identifier: &str,
        password: &str,
    ) -> DomainResult<Result<User, SignInError>> {
        let now = self.now();
        let identifier = identifier.trim();
        let attributes = sign_in_attributes(pool);
        let keys = if usable(identifier) {
            identifiers::candidates(identifier, &attributes)
        } else {
            Vec::new()
        };
        // An identifier that is no identifier at all is throttled under its own spelling.
        let throttled_as = keys
            .first()
            .cloned()
            .unwrap_or_else(|| identifier.to_lowercase());
        let subject = Subject::Identifier(pool.uid.as_str().to_owned(), throttled_as);
        if let Err(wait) = self.throttle.check(&subject, now) {
            return Ok(Err(SignInError::Locked(wait)));
        }
        let found = if pool.settings.password_sign_in_enabled && !keys.is_empty() {
            self.store
                .user_by_identifier(&pool.uid, &keys, &attributes)
                .await?
        } else {
            None
        };
        if let Some(until) = found.as_ref().and_then(|u| u.locked_until)
            && until > now
        {
            let wait =
                Duration::from_millis(u64::try_from(until.millis() - now.millis()).unwrap_or(0));
            return Ok(Err(SignInError::Locked(wait)));
        }
        let hash = found
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.decoy_hash.to_string());
        let matches = self
            .directory
            .passwords()
            .verify(password.to_owned(), hash)
            .await;
        let Some(user) = found.filter(|u| u.password_hash.is_some()) else {
            self.throttle.failed(subject, now);
            return Ok(Err(SignInError::Failed));
        };
        if !matches {
            self.count_failure(pool, &user).await?;
            return Ok(Err(SignInError::Failed));
        }
        let current = user.expiration_time.is_none_or(|t| t > now);
        let must_change = (current
            && matches!(
                user.state,
                UserState::ForceChangePassword | UserState::ResetRequired
            ))
            || (user.pwd_need_reset && self.may_sign_in(pool, &user));
        if must_change {
            return Ok(Err(SignInError::MustChangePassword(Box::new(user))));
        }
        if !self.may_sign_in(pool, &user) {
            return Ok(Err(SignInError::Failed));
        }
        self.signed_in(pool, &user).await?;
        Ok(Ok(user))
    }

    /// Bookkeeping of a successful sign-in.
    pub async fn signed_in(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        self.store
            .record_sign_in(&pool.uid, &user.uid, self.now())
            .await?;
        self.record_activity(pool, &user.uid).await;
        Ok(())
    }

    /// Counts `user` as active this month; a failure is logged, never the caller's.
    pub async fn record_activity(&self, pool: &UserPool, user: &UserUid) {
        if let Err(e) = self.directory.record_activity(pool, user, self.now()).await {
            tracing::error!(pool = %pool.uid, error = %e, "recording activity failed");
        }
    }

    /// A wrong password: the user's failures grow, and past the policy's threshold sign-in
    /// is refused for a time that doubles with each further failure.
    async fn count_failure(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        let failures = self
            .store
            .record_failed_sign_in(&pool.uid, &user.uid)
            .await?;
        if let Some(delay) = self.throttle.policy().lockout.delay(failures) {
            let now = self.now();
            let millis = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
            let until = Timestamp::from_millis(now.millis().saturating_add(millis));
            tracing::info!(pool = %pool.uid, user = %user.uid, failures, "sign-in locked after failed passwords");
            self.store
                .lock_user_until(&pool.uid, &user.uid, until)
                .await?;
        }
        Ok(())
    }

    /// The password change a user was made to do, checked against the rules and hashed on the
    /// password threads: stored only while the user is still at `generation` and still has to
    /// change it. Whether it happened (`false`: the form was used already or the user changed).
    pub async fn change_forced_password(
        &self,
        pool: &UserPoolUid,
        user: &UserUid,
        generation: i64,
        new_password: &str,
    ) -> DomainResult<bool> {
        let hash = self.directory.hash_new_password(new_password).await?;
        self.store
            .change_forced_password(pool, user, generation, &hash, self.now())
            .await
    }

    /// Starts a hosted-page session of `user`.
    pub async fn start_session(
        &self,
        pool: &UserPool,
        user: &User,
    ) -> DomainResult<StartedSession> {
        let now = self.now();
        let cookie = bearer::random_token();
        let id = bearer::lookup_hash(&cookie);
        let seconds = self.lifetimes.session_seconds;
        self.store
            .insert_session(&LoginSession {
                id_hash: id.clone(),
                pool_uid: pool.uid.clone(),
                user_uid: user.uid.clone(),
                created_at: now,
                expires_at: Timestamp::from_millis(now.millis() + seconds * 1000),
                generation: user.generation,
            })
            .await?;
        Ok(StartedSession {
            cookie,
            id,
            seconds,
        })
    }

    /// The session a cookie names, live or not.
    pub async fn session(
        &self,
        pool: &UserPoolUid,
        cookie: &str,
    ) -> DomainResult<Option<LoginSession>> {
        self.store.session(pool, &bearer::lookup_hash(cookie)).await
    }

    /// When the session with id `id` began, if it exists.
    pub async fn session_started(
        &self,
        pool: &UserPoolUid,
        id: &str,
    ) -> DomainResult<Option<Timestamp>> {
        Ok(self.store.session(pool, id).await?.map(|s| s.created_at))
    }

    /// The live session a cookie names and its user, while the user may sign in and has not
    /// moved to another generation (password changed, disabled) since.
    pub async fn session_user(
        &self,
        pool: &PoolAccess,
        cookie: &str,
    ) -> DomainResult<Option<(LoginSession, User)>> {
        let Some(session) = self.session(&pool.uid, cookie).await? else {
            return Ok(None);
        };
        if session.expires_at <= self.now() {
            return Ok(None);
        }
        let Some(user) = self.directory.stored(pool, &session.user_uid).await? else {
            return Ok(None);
        };
        if !self.may_sign_in(pool, &user) || user.generation != session.generation {
            return Ok(None);
        }
        Ok(Some((session, user)))
    }

    /// Signs out: deletes the session a cookie names and revokes every grant made in it, in
    /// one transaction. The session, if there was one.
    pub async fn end_session(
        &self,
        pool: &UserPool,
        cookie: &str,
    ) -> DomainResult<Option<LoginSession>> {
        let ended = self
            .store
            .end_session(&pool.uid, &bearer::lookup_hash(cookie))
            .await?;
        if let Some(session) = &ended {
            self.record_activity(pool, &session.user_uid).await;
        }
        Ok(ended)
    }

    /// Issues an authorization code; the code, in clear, to hand to the client once.
    pub async fn issue_code(&self, pool: &UserPoolUid, code: CodeFor<'_>) -> DomainResult<String> {
        let now = self.now();
        let token = bearer::random_token();
        self.store
            .insert_code(&AuthCode {
                code_hash: bearer::lookup_hash(&token),
                pool_uid: pool.clone(),
                client_uid: code.client.clone(),
                user_uid: code.user.uid.clone(),
                redirect_uri: code.redirect_uri.to_owned(),
                scope: code.scope.to_owned(),
                nonce: code.nonce.map(str::to_owned),
                code_challenge: code.code_challenge.map(str::to_owned),
                session_id: Some(code.session_id.to_owned()),
                auth_time: code.auth_time,
                expires_at: Timestamp::from_millis(
                    now.millis() + self.lifetimes.code_seconds * 1000,
                ),
                generation: code.user.generation,
            })
            .await?;
        Ok(token)
    }

    /// Redeems a code for `client`, at most once (see [`SignInStore::redeem_code`]): the grant
    /// it starts, and what the redemption found.
    pub async fn redeem_code(
        &self,
        pool: &UserPoolUid,
        client: &Client,
        code: &str,
    ) -> DomainResult<(GrantStart, CodeRedemption)> {
        let start = self.grant_start(client);
        let found = self
            .store
            .redeem_code(pool, &bearer::lookup_hash(code), &start)
            .await?;
        Ok((start, found))
    }

    /// A grant of `client` starting now, ending when the client's refresh tokens' combined
    /// lifetime does.
    fn grant_start(&self, client: &Client) -> GrantStart {
        let now = self.now();
        let r = &client.settings.refresh_token;
        let expires_at = if r.has_combined_lifetime {
            Timestamp::from_millis(now.millis() + r.combined_lifetime_seconds.max(60) * 1000)
        } else {
            Timestamp::from_millis(i64::MAX / 2)
        };
        GrantStart {
            id: uuid::Uuid::now_v7().simple().to_string(),
            created_at: now,
            expires_at,
        }
    }

    /// Starts and stores a grant of `client` by `user` without a code (a native sign-in),
    /// under the user's current generation.
    pub async fn start_grant(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
    ) -> DomainResult<Grant> {
        let start = self.grant_start(client);
        let grant = Grant {
            id: start.id,
            pool_uid: pool.uid.clone(),
            client_uid: client.uid.clone(),
            user_uid: user.uid.clone(),
            generation: user.generation,
            session_id: None,
            created_at: start.created_at,
            expires_at: start.expires_at,
        };
        self.store.insert_grant(&grant).await?;
        Ok(grant)
    }

    /// Revokes a grant and so every token issued from it.
    pub async fn revoke_grant(&self, pool: &UserPoolUid, grant_id: &str) -> DomainResult<()> {
        self.store.revoke_grant(pool, grant_id).await
    }

    /// A refresh token of `grant` for `scope`, not yet stored: the token, and its record.
    pub fn refresh_record(
        &self,
        grant: &Grant,
        client: &Client,
        scope: &str,
        auth_time: Timestamp,
    ) -> (String, RefreshRecord) {
        let now = self.now();
        let r = &client.settings.refresh_token;
        let idle = if r.has_idle_lifetime {
            Timestamp::from_millis(now.millis() + r.idle_lifetime_seconds.max(60) * 1000)
        } else {
            Timestamp::from_millis(i64::MAX / 2)
        };
        let token = bearer::random_token();
        let record = RefreshRecord {
            token_hash: bearer::lookup_hash(&token),
            family: grant.id.clone(),
            pool_uid: grant.pool_uid.clone(),
            client_uid: grant.client_uid.clone(),
            user_uid: grant.user_uid.clone(),
            scope: scope.to_owned(),
            session_id: grant.session_id.clone(),
            auth_time,
            created_at: now,
            expires_at: idle.min(grant.expires_at),
            family_expires_at: grant.expires_at,
            used_at: None,
            revoked: false,
        };
        (token, record)
    }

    /// Stores the first refresh token of a grant and returns it.
    pub async fn first_refresh(
        &self,
        grant: &Grant,
        client: &Client,
        scope: &str,
        auth_time: Timestamp,
    ) -> DomainResult<String> {
        let (token, record) = self.refresh_record(grant, client, scope, auth_time);
        self.store.insert_refresh(&record).await?;
        Ok(token)
    }

    /// Looks a refresh token up without spending it.
    pub async fn find_refresh(
        &self,
        pool: &UserPoolUid,
        token: &str,
    ) -> DomainResult<Option<RefreshRecord>> {
        self.store
            .find_refresh(pool, &bearer::lookup_hash(token))
            .await
    }

    /// Spends a refresh token now (see [`SignInStore::spend_refresh`]).
    pub async fn spend_refresh(
        &self,
        pool: &UserPoolUid,
        token: &str,
        next: Option<&RefreshRecord>,
    ) -> DomainResult<RefreshSpend> {
        self.store
            .spend_refresh(pool, &bearer::lookup_hash(token), next, self.now())
            .await
    }

    /// Revokes the grant of a refresh token; `false` when unknown.
    pub async fn revoke_refresh(&self, pool: &UserPoolUid, token: &str) -> DomainResult<bool> {
        self.store
            .revoke_refresh(pool, &bearer::lookup_hash(token))
            .await
    }

    /// Refuses an access token from now until it expires.
    pub async fn revoke_access_token(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        expires_at: Timestamp,
    ) -> DomainResult<()> {
        self.store.revoke_access_token(pool, jti, expires_at).await
    }

    /// Whether an access token may still be honoured (see [`SignInStore::access_token_live`]).
    pub async fn access_token_live(
        &self,
        pool: &UserPoolUid,
        jti: &str,
        grant: Option<&str>,
    ) -> DomainResult<bool> {
        self.store.access_token_live(pool, jti, grant).await
    }

    /// Every signing key a pool has had, retired ones included.
    pub async fn signing_keys(&self, pool: &UserPoolUid) -> DomainResult<Vec<SigningKeyRecord>> {
        self.store.signing_keys(pool).await
    }

    pub async fn add_signing_key(&self, key: &SigningKeyRecord) -> DomainResult<()> {
        self.store.insert_signing_key(key).await
    }

    /// Retires every key of the pool but `keep` (retired keys stay published).
    pub async fn retire_signing_keys(
        &self,
        pool: &UserPoolUid,
        keep: &str,
        at: Timestamp,
    ) -> DomainResult<u64> {
        self.store.retire_signing_keys(pool, keep, at).await
    }
}

/// The pool's sign-in attributes, in its order (the user name when none are set).
pub fn sign_in_attributes(pool: &UserPool) -> Vec<Attribute> {
    let mut attrs: Vec<Attribute> = Vec::with_capacity(3);
    for a in pool
        .settings
        .sign_in_attributes
        .iter()
        .filter_map(|a| Attribute::parse(a))
    {
        if !attrs.contains(&a) {
            attrs.push(a);
        }
    }
    if attrs.is_empty() {
        attrs.push(Attribute::Username);
    }
    attrs
}

/// Whether an identifier can be looked up at all (other text fails like an unknown one).
fn usable(identifier: &str) -> bool {
    !identifier.is_empty() && identifier.len() <= 256 && !identifier.chars().any(char::is_control)
}
