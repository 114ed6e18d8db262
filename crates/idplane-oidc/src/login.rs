//! The hosted form posts: sign-in, the forced password change, and self sign-up.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use idplane_core::DomainError;
use idplane_core::ids::UserUid;
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use idplane_core::model::user::{NewUser, UserProfile};
use idplane_core::service::PoolAccess;
use idplane_core::throttle::SourceAddress;

use crate::authorize::brand;
use crate::pages::{self, CSRF_COOKIE, ChangePasswordPage, SignUpPage};
use crate::params::Params;
use crate::pending::Pending;
use crate::provider::Provider;
use crate::signin::{SignInError, failure_message, locked_message};
use crate::source::Source;

fn trouble(pool: Option<&UserPool>, status: StatusCode, text: &str) -> Response {
    pages::message(status, pool.map_or("idplane", brand), "Sign-in", text)
}

fn internal(e: &DomainError) -> Response {
    tracing::error!(error = %e, "hosted page request failed");
    trouble(
        None,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong. Try again later.",
    )
}

/// The pool, the sealed request, the CSRF check, and the client (still registered, redirect
/// URI still allowed) behind a form post.
async fn form_context(
    provider: &Provider,
    pool: &str,
    headers: &HeaderMap,
    params: &Params,
    source: SourceAddress,
) -> Result<(PoolAccess, Pending, Client), Response> {
    let pool = match provider.pool(pool).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return Err(trouble(
                None,
                StatusCode::NOT_FOUND,
                "This user pool does not exist.",
            ));
        }
        Err(e) => return Err(internal(&e)),
    };
    let Some(pending) = Pending::open(
        &provider.master_key,
        params.get_or_empty("request"),
        pool.uid.as_str(),
        provider.now(),
    ) else {
        provider.address_failed(source);
        return Err(trouble(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            "This sign-in form has expired. Go back to the application and start again.",
        ));
    };
    if !pending.csrf_ok(
        params.get_or_empty("csrf_token"),
        pages::read_cookie(headers, CSRF_COOKIE),
    ) {
        provider.address_failed(source);
        return Err(trouble(
            Some(&pool),
            StatusCode::FORBIDDEN,
            "This form could not be verified. Go back to the application and start again.",
        ));
    }
    let client = match provider.client(&pool, &pending.client_id).await {
        Ok(Some(c))
            if c.settings
                .allowed_callback_urls
                .contains(&pending.redirect_uri) =>
        {
            c
        }
        Ok(_) => {
            return Err(trouble(
                Some(&pool),
                StatusCode::BAD_REQUEST,
                "The application is no longer registered.",
            ));
        }
        Err(e) => return Err(internal(&e)),
    };
    Ok((pool, pending, client))
}

pub async fn login(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&body);
    let (pool, pending, client) =
        match form_context(&provider, &pool, &headers, &params, source).await {
            Ok(c) => c,
            Err(r) => return r,
        };
    let username = params.get_or_empty("username");
    if let Some(wait) = provider.address_refused(source) {
        return provider.refused_login_page(&pool, &pending, username, wait);
    }
    let outcome = match provider
        .sign_in
        .password(&pool, username, params.get_or_empty("password"))
        .await
    {
        Ok(o) => o,
        Err(e) => return internal(&e),
    };
    match outcome {
        Ok(user) => provider
            .complete(&pool, &client, &pending, &user, None, None)
            .await
            .unwrap_or_else(|e| internal(&e)),
        Err(SignInError::MustChangePassword(user)) => {
            let challenge = Pending {
                user: Some(user.uid.as_str().to_owned()),
                generation: Some(user.generation),
                ..pending
            };
            provider.change_password_page(&pool, &challenge, None)
        }
        Err(SignInError::Locked(wait)) => {
            provider.address_failed(source);
            provider.refused_login_page(&pool, &pending, username, wait)
        }
        Err(e) => {
            provider.address_failed(source);
            provider.login_page(&pool, &pending, username, Some(&failure_message(&e)))
        }
    }
}

impl Provider {
    /// The login form again, answering 429 with `Retry-After`: too many failures.
    fn refused_login_page(
        &self,
        pool: &UserPool,
        pending: &Pending,
        username: &str,
        wait: Duration,
    ) -> Response {
        let page = self.login_page(pool, pending, username, Some(&locked_message(wait)));
        pages::too_many(page, wait)
    }

    fn change_password_page(
        &self,
        pool: &UserPool,
        pending: &Pending,
        error: Option<&str>,
    ) -> Response {
        let Some(sealed) = pending.seal(&self.master_key) else {
            return trouble(
                Some(pool),
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Try again later.",
            );
        };
        let action = format!("{}/password", self.endpoints(&pool.uid).login);
        let page = ChangePasswordPage {
            brand: brand(pool),
            action: &action,
            csrf: &pending.csrf,
            request: &sealed,
            challenge: "password",
            error,
        };
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        pages::render(status, &page, &[])
    }
}

/// The forced password change. The sealed form names the user and the user's generation when
/// the old password was proven: the change happens once, and only while nothing about the
/// user changed since (not disabled, not changed already), in one conditional write that also
/// ends the user's other sessions and tokens.
pub async fn change_password(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&body);
    let (pool, pending, client) =
        match form_context(&provider, &pool, &headers, &params, source).await {
            Ok(c) => c,
            Err(r) => return r,
        };
    if let Some(wait) = provider.address_refused(source) {
        return pages::too_many(
            trouble(
                Some(&pool),
                StatusCode::TOO_MANY_REQUESTS,
                &locked_message(wait),
            ),
            wait,
        );
    }
    let (Some(uid), Some(generation)) = (
        pending.user.as_deref().and_then(|u| UserUid::parse(u).ok()),
        pending.generation,
    ) else {
        provider.address_failed(source);
        return trouble(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            "This form could not be verified. Go back to the application and start again.",
        );
    };
    match provider
        .sign_in
        .change_forced_password(
            &pool.uid,
            &uid,
            generation,
            params.get_or_empty("new_password"),
        )
        .await
    {
        Err(DomainError::Invalid { message, .. }) => {
            return provider.change_password_page(
                &pool,
                &pending,
                Some(&format!("The new password is not acceptable: {message}.")),
            );
        }
        Ok(true) => {}
        Ok(false) => {
            provider.address_failed(source);
            return trouble(
                Some(&pool),
                StatusCode::BAD_REQUEST,
                "This form was already used, or the account changed since. Go back to the application and start again.",
            );
        }
        Err(e) => return internal(&e),
    }
    let user = match provider.user(&pool, &uid).await {
        Ok(Some(u)) if provider.sign_in.may_sign_in(&pool, &u) => u,
        Ok(_) => {
            return trouble(
                Some(&pool),
                StatusCode::FORBIDDEN,
                &failure_message(&SignInError::Failed),
            );
        }
        Err(e) => return internal(&e),
    };
    if let Err(e) = provider.sign_in.signed_in(&pool, &user).await {
        return internal(&e);
    }
    let pending = Pending {
        user: None,
        generation: None,
        ..pending
    };
    provider
        .complete(&pool, &client, &pending, &user, None, None)
        .await
        .unwrap_or_else(|e| internal(&e))
}

pub async fn sign_up_form(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let pool = match provider.pool(&pool).await {
        Ok(Some(p)) if p.settings.self_sign_up_enabled => p,
        Ok(_) => {
            return trouble(
                None,
                StatusCode::NOT_FOUND,
                "Sign-up is not available here.",
            );
        }
        Err(e) => return internal(&e),
    };
    let Some(pending) = Pending::open(
        &provider.master_key,
        params.get_or_empty("request"),
        pool.uid.as_str(),
        provider.now(),
    ) else {
        return trouble(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            "This sign-up link has expired. Go back to the application and start again.",
        );
    };
    provider.sign_up_page(&pool, &pending, "", "", None)
}

impl Provider {
    fn sign_up_page(
        &self,
        pool: &UserPool,
        pending: &Pending,
        username: &str,
        email: &str,
        error: Option<&str>,
    ) -> Response {
        let Some(sealed) = pending.seal(&self.master_key) else {
            return trouble(
                Some(pool),
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Try again later.",
            );
        };
        let action = self.endpoints(&pool.uid).sign_up;
        let email_required = pool
            .settings
            .required_sign_up_attributes
            .iter()
            .any(|a| a == "email");
        let page = SignUpPage {
            brand: brand(pool),
            action: &action,
            csrf: &pending.csrf,
            request: &sealed,
            username,
            email,
            email_required,
            error,
        };
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        self.form_page(pool, pending, status, &page)
    }
}

pub async fn sign_up(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::parse(&body);
    let (pool, pending, client) =
        match form_context(&provider, &pool, &headers, &params, source).await {
            Ok(c) => c,
            Err(r) => return r,
        };
    if !pool.settings.self_sign_up_enabled {
        return trouble(
            Some(&pool),
            StatusCode::NOT_FOUND,
            "Sign-up is not available here.",
        );
    }
    let username = params.get_or_empty("username").trim().to_owned();
    let email = params.get_or_empty("email").trim().to_owned();
    let password = params.get_or_empty("password");
    let new = NewUser {
        profile: UserProfile {
            preferred_username: Some(username.clone()),
            email: (!email.is_empty()).then(|| email.clone()),
            ..UserProfile::default()
        },
        password: Some(password.to_owned()),
        ..NewUser::default()
    };
    if let Some(wait) = provider.address_refused(source) {
        let page = provider.sign_up_page(
            &pool,
            &pending,
            &username,
            &email,
            Some(&locked_message(wait)),
        );
        return pages::too_many(page, wait);
    }
    let again = |message: &str| {
        provider.address_failed(source);
        provider.sign_up_page(&pool, &pending, &username, &email, Some(message))
    };
    if password.is_empty() || username.is_empty() {
        return again("A user name and a password are required.");
    }
    if pool
        .settings
        .required_sign_up_attributes
        .iter()
        .any(|a| a == "email")
        && email.is_empty()
    {
        return again("An email address is required.");
    }
    let user = match provider.directory.create_user(&pool, new).await {
        Ok(u) => u,
        Err(e) if e.is_taken() => {
            return again("That user name or email address is already taken.");
        }
        Err(DomainError::Invalid { field, message }) => {
            let label = field.label();
            let mut chars = label.chars();
            let label: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            return again(&format!("{label} is not acceptable: {message}."));
        }
        Err(e) => return internal(&e),
    };
    provider.sign_in.record_activity(&pool, &user.uid).await;
    if !provider.sign_in.may_sign_in(&pool, &user) {
        return pages::message(
            StatusCode::OK,
            brand(&pool),
            "Account created",
            "Your account was created. It must be confirmed before you can sign in.",
        );
    }
    if let Err(e) = provider.sign_in.signed_in(&pool, &user).await {
        return internal(&e);
    }
    provider
        .complete(&pool, &client, &pending, &user, None, None)
        .await
        .unwrap_or_else(|e| internal(&e))
}
