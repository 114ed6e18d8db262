//! Password sign-in, shared by the hosted page and `InitiateAuth`: who the identifier names,
//! whether the password is right, whether the user may sign in, lockout, and bookkeeping.

use idplane_core::error::DomainResult;
use idplane_core::model::pool::UserPool;
use idplane_core::model::user::{User, UserPatch, UserState};

use crate::provider::Provider;

/// Why a sign-in did not succeed. Only `Failed` is shown for a wrong identifier or password,
/// so the answer never tells which part was wrong.
#[derive(Debug)]
pub enum SignInError {
    /// Unknown user, wrong password, or password sign-in off.
    Failed,
    /// Right password, but the user may not sign in (disabled, locked, unconfirmed, expired).
    NotAllowed,
    /// Right password, but it must be changed first (FORCE_CHANGE_PASSWORD, RESET_REQUIRED).
    MustChangePassword(Box<User>),
}

impl SignInError {
    pub fn message(&self) -> &'static str {
        match self {
            SignInError::Failed => "Incorrect user name or password.",
            SignInError::NotAllowed => {
                "This account cannot sign in right now. Contact your administrator."
            }
            SignInError::MustChangePassword(_) => "You must choose a new password.",
        }
    }
}

/// The pool's sign-in attributes, in its order (`preferred_username` when none are set).
pub fn sign_in_attributes(pool: &UserPool) -> Vec<&str> {
    let attrs: Vec<&str> = pool
        .settings
        .sign_in_attributes
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "preferred_username" | "email" | "phone_number"))
        .collect();
    if attrs.is_empty() {
        vec!["preferred_username"]
    } else {
        attrs
    }
}

/// The label of the identifier field, from the pool's sign-in attributes.
pub fn identifier_label(pool: &UserPool) -> String {
    sign_in_attributes(pool)
        .iter()
        .map(|a| match *a {
            "email" => "email",
            "phone_number" => "phone number",
            _ => "user name",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

impl Provider {
    /// Checks `identifier` + `password` against the pool. On success the user's sign-in is
    /// recorded (LatestLogin, NumLogins, monthly activity); on a wrong password the failure
    /// counts towards lockout.
    pub async fn password_sign_in(
        &self,
        pool: &UserPool,
        identifier: &str,
        password: &str,
    ) -> DomainResult<Result<User, SignInError>> {
        let mut found = None;
        if pool.settings.password_sign_in_enabled
            && !identifier.is_empty()
            && identifier.len() <= 256
            && !identifier.chars().any(char::is_control)
        {
            for attribute in sign_in_attributes(pool) {
                found = self
                    .sign_in
                    .user_by_attribute(&pool.uid, attribute, identifier.trim())
                    .await?;
                if found.is_some() {
                    break;
                }
            }
        }
        let hash = found
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.decoy_hash.clone());
        let matches = self.checkers.verify(password.to_owned(), hash).await;
        let Some(user) = found.filter(|u| u.password_hash.is_some()) else {
            return Ok(Err(SignInError::Failed));
        };
        if !matches {
            self.count_failure(pool, &user).await?;
            return Ok(Err(SignInError::Failed));
        }
        let must_change = matches!(
            user.state,
            UserState::ForceChangePassword | UserState::ResetRequired
        );
        if !must_change && !self.user_may_sign_in(pool, &user) {
            return Ok(Err(SignInError::NotAllowed));
        }
        if must_change || user.pwd_need_reset {
            return Ok(Err(SignInError::MustChangePassword(Box::new(user))));
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

    /// A wrong password: every `lockout_threshold`-th consecutive one locks the user (an
    /// administrator unlocks with UpdateUser UserState=CONFIRMED).
    async fn count_failure(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        let failures = self
            .sign_in
            .record_failed_sign_in(&pool.uid, &user.uid)
            .await?;
        let threshold = self.config.lockout_threshold.max(1);
        if failures > 0 && failures % threshold == 0 && user.state != UserState::Locked {
            tracing::info!(pool = %pool.uid, user = %user.uid, "user locked after failed sign-ins");
            let patch = UserPatch {
                state: Some(UserState::Locked),
                ..UserPatch::default()
            };
            self.directory
                .update_user(&Self::access(pool), user.uid.as_str(), patch)
                .await?;
        }
        Ok(())
    }

    /// Sets a new password for a user who had to change it, and confirms them.
    pub async fn change_password(
        &self,
        pool: &UserPool,
        user: &User,
        new_password: &str,
    ) -> DomainResult<User> {
        let patch = UserPatch {
            password: Some(new_password.to_owned()),
            state: matches!(
                user.state,
                UserState::ForceChangePassword | UserState::ResetRequired
            )
            .then_some(UserState::Confirmed),
            pwd_need_reset: Some(false),
            ..UserPatch::default()
        };
        let user = self
            .directory
            .update_user(&Self::access(pool), user.uid.as_str(), patch)
            .await?;
        self.signed_in(pool, &user).await?;
        Ok(user)
    }
}
