//! Password sign-in, shared by the hosted page and `InitiateAuth`: who the identifier names,
//! whether the password is right, whether the user may sign in, timed lockout, and bookkeeping.
//!
//! The answers never tell more than the caller proved: an unknown identifier, a wrong password
//! and a user who may not sign in (disabled, locked by an administrator, unconfirmed, expired)
//! all get [`SignInError::Failed`], at the same cost; an identifier with too many recent
//! failures gets [`SignInError::Locked`] whether or not it names a user and whatever the
//! password (OWASP ASVS 4.0 V2.2.1, NIST SP 800-63B §5.2.2).

use std::time::Duration;

use idplane_core::error::DomainResult;
use idplane_core::identifiers::{self, Attribute};
use idplane_core::model::pool::UserPool;
use idplane_core::model::user::{User, UserState};
use idplane_core::throttle::Subject;

use crate::provider::Provider;

/// Why a sign-in did not succeed.
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

impl SignInError {
    pub fn message(&self) -> String {
        match self {
            SignInError::Failed => "Incorrect user name or password.".to_owned(),
            SignInError::Locked(wait) => locked_message(*wait),
            SignInError::MustChangePassword(_) => "You must choose a new password.".to_owned(),
        }
    }
}

/// "Too many failed attempts", with how long to wait in words.
pub fn locked_message(wait: Duration) -> String {
    let seconds = wait.as_secs().max(1);
    let when = if seconds < 90 {
        format!("{seconds} seconds")
    } else if seconds < 90 * 60 {
        format!("{} minutes", seconds.div_ceil(60))
    } else if seconds < 48 * 3600 {
        format!("{} hours", seconds.div_ceil(3600))
    } else {
        "a while (ask your administrator to unlock the account)".to_owned()
    };
    format!("Too many failed sign-in attempts. Try again in {when}.")
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

/// The label of the identifier field, from the pool's sign-in attributes.
pub fn identifier_label(pool: &UserPool) -> String {
    sign_in_attributes(pool)
        .iter()
        .map(|a| match a {
            Attribute::Email => "email",
            Attribute::Phone => "phone number",
            Attribute::Username => "user name",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether an identifier can be looked up at all (other text fails like an unknown one).
fn usable(identifier: &str) -> bool {
    !identifier.is_empty() && identifier.len() <= 256 && !identifier.chars().any(char::is_control)
}

impl Provider {
    /// Checks `identifier` + `password` against the pool. On success the user's sign-in is
    /// recorded (LatestLogin, NumLogins, monthly activity); a wrong password counts towards
    /// the user's timed lockout, an unknown identifier towards its own.
    pub async fn password_sign_in(
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
            self.sign_in
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
            .unwrap_or_else(|| self.decoy_hash.clone());
        let matches = self.checkers.verify(password.to_owned(), hash).await;
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
            || (user.pwd_need_reset && self.user_may_sign_in(pool, &user));
        if must_change {
            return Ok(Err(SignInError::MustChangePassword(Box::new(user))));
        }
        if !self.user_may_sign_in(pool, &user) {
            return Ok(Err(SignInError::Failed));
        }
        self.signed_in(pool, &user).await?;
        Ok(Ok(user))
    }

    /// Bookkeeping of a successful sign-in.
    pub async fn signed_in(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        self.sign_in
            .record_sign_in(&pool.uid, &user.uid, self.now())
            .await?;
        self.record_activity(pool, &user.uid).await;
        Ok(())
    }

    /// A wrong password: the user's failures grow, and past the policy's threshold sign-in
    /// is refused for a time that doubles with each further failure.
    async fn count_failure(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        let failures = self
            .sign_in
            .record_failed_sign_in(&pool.uid, &user.uid)
            .await?;
        if let Some(delay) = self.throttle.policy().lockout.delay(failures) {
            let now = self.now();
            let millis = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 4);
            let until =
                idplane_core::clock::Timestamp::from_millis(now.millis().saturating_add(millis));
            tracing::info!(pool = %pool.uid, user = %user.uid, failures, "sign-in locked after failed passwords");
            self.sign_in
                .lock_user_until(&pool.uid, &user.uid, until)
                .await?;
        }
        Ok(())
    }
}
