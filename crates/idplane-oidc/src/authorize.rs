//! The authorization endpoint (RFC 6749 §4.1, OIDC Core §3.1.2): checks the request, signs
//! the user in through the hosted page (or an existing session), and redirects back with a code.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use idplane_core::clock::Timestamp;
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use idplane_core::model::sign_in::LoginSession;
use idplane_core::model::user::User;
use idplane_core::service::PoolAccess;
use idplane_core::service::sign_in::CodeFor;

use crate::authorize_request::{AuthorizeRequest, Pkce, ResponseType};
use crate::claims;
use crate::errors::{AuthorizeErrorCode, redirect_error, with_query};
use crate::pages::{self, CSRF_COOKIE, LoginPage, SESSION_COOKIE};
use crate::params::Params;
use crate::pending::Pending;
use crate::provider::Provider;
use crate::secrets;
use crate::signin::identifier_label;

pub fn brand(pool: &UserPool) -> &str {
    pool.settings
        .brand
        .name
        .as_deref()
        .filter(|b| !b.is_empty())
        .unwrap_or(&pool.name)
}

pub fn pool_path(pool: &UserPool) -> String {
    format!("/userpool/{}/", pool.uid)
}

/// A page that never redirects: the request cannot be trusted to name a redirect URI.
fn refuse(pool: Option<&UserPool>, status: StatusCode, text: &str) -> Response {
    let brand = pool.map_or("idplane", brand);
    pages::message(status, brand, "Sign-in request refused", text)
}

pub async fn authorize_get(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = Params::merged(query.as_deref(), b"");
    authorize(&provider, &pool, &params, &headers).await
}

pub async fn authorize_post(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::merged(query.as_deref(), &body);
    authorize(&provider, &pool, &params, &headers).await
}

async fn authorize(
    provider: &Provider,
    pool: &str,
    params: &Params,
    headers: &HeaderMap,
) -> Response {
    match authorize_inner(provider, pool, params, headers).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "authorization request failed");
            refuse(
                None,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Try again later.",
            )
        }
    }
}

async fn authorize_inner(
    provider: &Provider,
    pool: &str,
    params: &Params,
    headers: &HeaderMap,
) -> idplane_core::DomainResult<Response> {
    let Some(pool) = provider.pool(pool).await? else {
        return Ok(refuse(
            None,
            StatusCode::NOT_FOUND,
            "This user pool does not exist.",
        ));
    };
    // Until client and redirect URI are verified, errors are shown here, never redirected.
    if let Some(fault) = params.fault() {
        return Ok(refuse(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            &format!("The request cannot be read: {fault}."),
        ));
    }
    let request = AuthorizeRequest::read(params);
    let Some(client_id) = request.client_id else {
        return Ok(refuse(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            "The request names no client (client_id).",
        ));
    };
    let Some(client) = provider.client(&pool, client_id).await? else {
        return Ok(refuse(
            Some(&pool),
            StatusCode::BAD_REQUEST,
            "The client is not registered with this user pool.",
        ));
    };
    let callbacks = &client.settings.allowed_callback_urls;
    let redirect_uri = match request.redirect_uri {
        Some(uri) if callbacks.iter().any(|c| c == uri) => uri.to_owned(),
        Some(_) => {
            return Ok(refuse(
                Some(&pool),
                StatusCode::BAD_REQUEST,
                "The redirect URI is not registered for this client.",
            ));
        }
        None if callbacks.len() == 1 => callbacks[0].clone(),
        None => {
            return Ok(refuse(
                Some(&pool),
                StatusCode::BAD_REQUEST,
                "The request names no redirect URI (redirect_uri).",
            ));
        }
    };
    let state = request.state;
    let issuer = provider.endpoints(&pool.uid).issuer;
    let fail = |code: AuthorizeErrorCode, description: &str| {
        Ok(redirect_error(
            &redirect_uri,
            code,
            description,
            state,
            &issuer,
        ))
    };
    match request.response_type {
        ResponseType::Code => {}
        ResponseType::Missing => {
            return fail(
                AuthorizeErrorCode::InvalidRequest,
                "response_type is required",
            );
        }
        ResponseType::Unsupported => {
            return fail(
                AuthorizeErrorCode::UnsupportedResponseType,
                "only the code response type is supported",
            );
        }
    }
    if client.client_type.is_machine() {
        return fail(
            AuthorizeErrorCode::UnauthorizedClient,
            "machine-to-machine clients cannot sign users in",
        );
    }
    match request.pkce {
        Pkce::S256(_) => {}
        Pkce::Malformed => {
            return fail(
                AuthorizeErrorCode::InvalidRequest,
                "code_challenge is malformed",
            );
        }
        Pkce::NotS256 => {
            return fail(
                AuthorizeErrorCode::InvalidRequest,
                "code_challenge_method must be S256",
            );
        }
        Pkce::MethodWithoutChallenge => {
            return fail(
                AuthorizeErrorCode::InvalidRequest,
                "code_challenge_method without code_challenge",
            );
        }
        Pkce::None if client.client_type.requires_pkce() => {
            return fail(
                AuthorizeErrorCode::InvalidRequest,
                "this client must use PKCE (code_challenge with S256)",
            );
        }
        Pkce::None => {}
    }
    let scope = claims::grant(request.scope);
    if scope.is_empty() {
        return fail(
            AuthorizeErrorCode::InvalidScope,
            "none of the requested scopes is supported",
        );
    }
    if !pool.settings.password_sign_in_enabled {
        return fail(
            AuthorizeErrorCode::AccessDenied,
            "sign-in is disabled for this user pool",
        );
    }
    let pending = Pending {
        pool: pool.uid.as_str().to_owned(),
        client_id: client.uid.as_str().to_owned(),
        redirect_uri: redirect_uri.clone(),
        scope,
        state: state.map(str::to_owned),
        nonce: request.nonce.map(str::to_owned),
        code_challenge: request.pkce.challenge().map(str::to_owned),
        csrf: secrets::random_token(),
        issued_at: provider.now().millis(),
        user: None,
        generation: None,
    };
    // `max_age` (seconds): a session signed in longer ago than that does not count.
    let Ok(max_age) = request.max_age else {
        return fail(
            AuthorizeErrorCode::InvalidRequest,
            "max_age must be a non-negative integer",
        );
    };
    if !request.prompt.login
        && let Some((session, user)) = provider.current_session(&pool, headers).await?
        && max_age.is_none_or(|m| {
            provider.now().millis() - session.created_at.millis() <= m.saturating_mul(1000)
        })
    {
        return provider
            .complete(&pool, &client, &pending, &user, Some(session.id_hash), None)
            .await;
    }
    if request.prompt.none {
        return fail(
            AuthorizeErrorCode::LoginRequired,
            "the user is not signed in",
        );
    }
    // OIDC Core §3.1.2.1: `login_hint` fills in the identifier.
    Ok(provider.login_page(&pool, &pending, request.login_hint, None))
}

impl Provider {
    /// The signed-in user of this pool's session cookie, if the session is live.
    pub async fn current_session(
        &self,
        pool: &PoolAccess,
        headers: &HeaderMap,
    ) -> idplane_core::DomainResult<Option<(LoginSession, User)>> {
        let Some(cookie) = pages::read_cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        self.sign_in.session_user(pool, cookie).await
    }

    /// The login form for `pending`, setting its CSRF cookie.
    pub fn login_page(
        &self,
        pool: &UserPool,
        pending: &Pending,
        username: &str,
        error: Option<&str>,
    ) -> Response {
        let Some(sealed) = pending.seal(&self.master_key) else {
            return refuse(
                Some(pool),
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong. Try again later.",
            );
        };
        let endpoints = self.endpoints(&pool.uid);
        let sign_up_url = pool
            .settings
            .self_sign_up_enabled
            .then(|| with_query(&endpoints.sign_up, &[("request", &sealed)]));
        let label = identifier_label(pool);
        let label = format!("{}{}", label[..1].to_uppercase(), &label[1..]);
        let page = LoginPage {
            brand: brand(pool),
            action: &endpoints.login,
            csrf: &pending.csrf,
            request: &sealed,
            identifier_label: &label,
            username,
            error,
            sign_up_url: sign_up_url.as_deref(),
        };
        let status = if error.is_some() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        self.form_page(pool, pending, status, &page)
    }

    /// A hosted form for `pending`, with its CSRF cookie.
    pub fn form_page(
        &self,
        pool: &UserPool,
        pending: &Pending,
        status: StatusCode,
        page: &impl askama::Template,
    ) -> Response {
        let cookie = pages::cookie(
            CSRF_COOKIE,
            &pending.csrf,
            &pool_path(pool),
            1800,
            self.config.secure_cookies(),
        );
        pages::render(status, page, &[cookie])
    }

    /// Signs the user in to a new session (unless one is given) and redirects with a code.
    pub async fn complete(
        &self,
        pool: &UserPool,
        client: &Client,
        pending: &Pending,
        user: &User,
        session_id: Option<String>,
        auth_time: Option<Timestamp>,
    ) -> idplane_core::DomainResult<Response> {
        let now = self.now();
        let mut cookies = Vec::new();
        let (session_id, auth_time) = match session_id {
            Some(id) => {
                let started = self
                    .sign_in
                    .session_started(&pool.uid, &id)
                    .await?
                    .unwrap_or(now);
                (id, auth_time.unwrap_or(started))
            }
            None => {
                let started = self.sign_in.start_session(pool, user).await?;
                let secure = self.config.secure_cookies();
                cookies.push(pages::cookie(
                    SESSION_COOKIE,
                    &started.cookie,
                    &pool_path(pool),
                    started.seconds,
                    secure,
                ));
                cookies.push(pages::cookie(CSRF_COOKIE, "", &pool_path(pool), 0, secure));
                (started.id, now)
            }
        };
        let code = self
            .sign_in
            .issue_code(
                &pool.uid,
                CodeFor {
                    client: &client.uid,
                    user,
                    redirect_uri: &pending.redirect_uri,
                    scope: &pending.scope,
                    nonce: pending.nonce.as_deref(),
                    code_challenge: pending.code_challenge.as_deref(),
                    session_id: &session_id,
                    auth_time,
                },
            )
            .await?;
        let issuer = self.endpoints(&pool.uid).issuer;
        let mut params = vec![("code", code.as_str())];
        if let Some(s) = &pending.state {
            params.push(("state", s));
        }
        params.push(("iss", &issuer));
        let mut response =
            Redirect::to(&with_query(&pending.redirect_uri, &params)).into_response();
        for c in cookies {
            if let Ok(v) = c.parse() {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        Ok(response)
    }
}
