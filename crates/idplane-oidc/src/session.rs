//! Discovery, JWKS, and sign-out (OIDC RP-Initiated Logout 1.0).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use idplane_core::model::pool::UserPool;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::authorize::{brand, pool_path};
use crate::claims::SUPPORTED_SCOPES;
use crate::errors::with_query;
use crate::jose;
use crate::pages::{self, CSRF_COOKIE, LogoutPage, SESSION_COOKIE};
use crate::params::Params;
use crate::pending::{csrf_matches, open_form, seal_form};
use crate::provider::Provider;
use crate::secrets;

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not_found", "error_description": "unknown user pool"})),
    )
        .into_response()
}

fn cached(mut response: Response, seconds: u32) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={seconds}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    response
}

pub async fn discovery(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
) -> Response {
    match provider.pool(&pool).await {
        Ok(Some(pool)) => {
            let e = provider.endpoints(&pool.uid);
            let doc = json!({
                "issuer": e.issuer,
                "authorization_endpoint": e.authorization,
                "token_endpoint": e.token,
                "userinfo_endpoint": e.userinfo,
                "jwks_uri": e.jwks,
                "revocation_endpoint": e.revocation,
                "introspection_endpoint": e.introspection,
                "end_session_endpoint": e.end_session,
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [jose::ALGORITHM],
                "scopes_supported": SUPPORTED_SCOPES,
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
                "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": [
                    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid",
                    "name", "given_name", "family_name", "middle_name", "nickname",
                    "preferred_username", "picture", "profile", "website", "gender", "birthdate",
                    "zoneinfo", "locale", "updated_at", "email", "email_verified", "phone_number",
                    "phone_number_verified"
                ],
                "claims_parameter_supported": false,
                "request_parameter_supported": false,
                "request_uri_parameter_supported": false,
                "authorization_response_iss_parameter_supported": true,
            });
            cached(Json(doc).into_response(), 300)
        }
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "discovery failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn jwks(State(provider): State<Arc<Provider>>, Path(pool): Path<String>) -> Response {
    let pool = match provider.pool(&pool).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "jwks failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match provider.keys.keys(&pool.uid, provider.now()).await {
        Ok(keys) => cached(Json(keys.jwks.clone()).into_response(), 300),
        // Deleted since it was read (another process, or within the cache's second).
        Err(e) if e.is_not_found() => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "jwks failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

pub async fn logout_get(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    logout(
        &provider,
        &pool,
        &Params::parse(query.unwrap_or_default().as_bytes()),
        &headers,
    )
    .await
}

pub async fn logout_post(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    logout(
        &provider,
        &pool,
        &Params::merged(query.as_deref(), &body),
        &headers,
    )
    .await
}

async fn logout(provider: &Provider, pool: &str, params: &Params, headers: &HeaderMap) -> Response {
    match logout_inner(provider, pool, params, headers).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "sign-out failed");
            pages::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "idplane",
                "Sign out",
                "Something went wrong. Try again later.",
            )
        }
    }
}

async fn logout_inner(
    provider: &Provider,
    pool: &str,
    params: &Params,
    headers: &HeaderMap,
) -> idplane_core::DomainResult<Response> {
    let Some(pool) = provider.pool(pool).await? else {
        return Ok(pages::message(
            StatusCode::NOT_FOUND,
            "idplane",
            "Sign out",
            "This user pool does not exist.",
        ));
    };
    if let Some(fault) = params.fault() {
        return Ok(pages::message(
            StatusCode::BAD_REQUEST,
            brand(&pool),
            "Sign out",
            &format!("The sign-out request cannot be read: {fault}."),
        ));
    }
    // The client: from the ID token hint (signature checked, expiry not) or client_id.
    let mut client_id = params.get("client_id").map(str::to_owned);
    if let Some(hint) = params.get("id_token_hint") {
        match provider.verify_jwt(&pool, hint, true).await? {
            Some(c) if c.get("token_use").and_then(Value::as_str) == Some("id") => {
                let aud = c.get("aud").and_then(Value::as_str).map(str::to_owned);
                if client_id.is_some() && client_id != aud {
                    return Ok(pages::message(
                        StatusCode::BAD_REQUEST,
                        brand(&pool),
                        "Sign out",
                        "The sign-out request is inconsistent.",
                    ));
                }
                client_id = aud;
            }
            _ => {
                return Ok(pages::message(
                    StatusCode::BAD_REQUEST,
                    brand(&pool),
                    "Sign out",
                    "The sign-out request carries an invalid ID token.",
                ));
            }
        }
    }
    let hinted = params.get("id_token_hint").is_some();
    let redirect = match params.get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let client = match &client_id {
                Some(id) => provider.client(&pool, id).await?,
                None => None,
            };
            match client {
                Some(c) if c.settings.allowed_logout_urls.iter().any(|u| u == uri) => {
                    Some(uri.to_owned())
                }
                _ => {
                    return Ok(pages::message(
                        StatusCode::BAD_REQUEST,
                        brand(&pool),
                        "Sign out",
                        "The address to return to after signing out is not registered for this application.",
                    ));
                }
            }
        }
    };
    // RP-Initiated Logout §2: without a valid ID token hint the request may come from anyone
    // (a link on another site), so the user is asked first; the sealed request then carries
    // where to return, bound to a CSRF cookie.
    let signed_in = match pages::read_cookie(headers, SESSION_COOKIE) {
        Some(cookie) => provider.sign_in.session(&pool.uid, cookie).await?.is_some(),
        None => false,
    };
    let (redirect, state) = if hinted || !signed_in {
        // With a valid hint the application proved itself; without a session there is
        // nothing to end, only a registered address to return to.
        (redirect, params.get("state").map(str::to_owned))
    } else {
        match LogoutRequest::confirmed(provider, &pool, params, headers) {
            Some(confirmed) => (confirmed.redirect, confirmed.state),
            None => {
                let request = LogoutRequest {
                    pool: pool.uid.as_str().to_owned(),
                    redirect,
                    state: params.get("state").map(str::to_owned),
                    csrf: secrets::random_token(),
                    issued_at: provider.now().millis(),
                };
                return Ok(request.page(provider, &pool));
            }
        }
    };
    if let Some(cookie) = pages::read_cookie(headers, SESSION_COOKIE) {
        provider.sign_in.end_session(&pool, cookie).await?;
    }
    let clear = pages::cookie(
        SESSION_COOKIE,
        "",
        &pool_path(&pool),
        0,
        provider.config.secure_cookies(),
    );
    let mut response = match redirect {
        Some(uri) => {
            let mut q = Vec::new();
            if let Some(s) = state.as_deref() {
                q.push(("state", s));
            }
            let target = if q.is_empty() {
                uri
            } else {
                with_query(&uri, &q)
            };
            Redirect::to(&target).into_response()
        }
        None => pages::message(
            StatusCode::OK,
            brand(&pool),
            "Signed out",
            "You have been signed out.",
        ),
    };
    if let Ok(v) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

const LOGOUT_KIND: &str = "logout";
/// How long a sign-out confirmation stays usable.
const LOGOUT_MILLIS: i64 = 10 * 60 * 1000;

/// A sign-out waiting for the user's confirmation, sealed with the master key into the
/// confirmation form (the same sealing as the sign-in forms', told apart by `kind`).
#[derive(Debug, Serialize, Deserialize)]
struct LogoutRequest {
    pool: String,
    redirect: Option<String>,
    state: Option<String>,
    csrf: String,
    issued_at: i64,
}

impl LogoutRequest {
    /// The request the user confirmed: sealed by this server for this pool, fresh, posted
    /// with the CSRF token of its form and cookie.
    fn confirmed(
        provider: &Provider,
        pool: &UserPool,
        params: &Params,
        headers: &HeaderMap,
    ) -> Option<Self> {
        let sealed = params.get("logout_request")?;
        let request: LogoutRequest = open_form(&provider.master_key, LOGOUT_KIND, sealed)?;
        let now = provider.now().millis();
        let fresh = request.issued_at <= now && now - request.issued_at < LOGOUT_MILLIS;
        let csrf = csrf_matches(
            &request.csrf,
            params.get_or_empty("csrf_token"),
            pages::read_cookie(headers, CSRF_COOKIE),
        );
        (request.pool == pool.uid.as_str() && fresh && csrf).then_some(request)
    }

    /// The confirmation page, setting the CSRF cookie.
    fn page(&self, provider: &Provider, pool: &UserPool) -> Response {
        let Some(sealed) = seal_form(&provider.master_key, LOGOUT_KIND, self) else {
            return pages::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                brand(pool),
                "Sign out",
                "Something went wrong. Try again later.",
            );
        };
        let action = provider.endpoints(&pool.uid).end_session;
        let page = LogoutPage {
            brand: brand(pool),
            action: &action,
            csrf: &self.csrf,
            request: &sealed,
        };
        let cookie = pages::cookie(
            CSRF_COOKIE,
            &self.csrf,
            &pool_path(pool),
            LOGOUT_MILLIS / 1000,
            provider.config.secure_cookies(),
        );
        pages::render(StatusCode::OK, &page, &[cookie])
    }
}
