//! The token endpoint (RFC 6749 §3.2): authorization code (with PKCE), refresh token (with
//! rotation and reuse detection) and client credentials.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use idplane_core::model::sign_in::{AuthCode, CodeRedemption, Grant, GrantStart, RefreshSpend};
use idplane_core::service::PoolAccess;
use idplane_core::throttle::SourceAddress;

use crate::claims;
use crate::client_auth;
use crate::errors::{OAuthError, OAuthErrorCode};
use crate::params::Params;
use crate::provider::{Issued, Provider, UserGrant};
use crate::secrets;
use crate::source::Source;
use crate::token_request::{CodeExchange, TokenGrant};

pub async fn token(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = exchange(&provider, &pool, &headers, &body, source).await;
    if let Err(e) = &outcome
        && e.code == OAuthErrorCode::InvalidGrant
    {
        provider.address_failed(source);
    }
    match outcome {
        Ok(issued) => {
            let mut response = Json(issued.to_json()).into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn exchange(
    provider: &Provider,
    pool: &str,
    headers: &HeaderMap,
    body: &[u8],
    source: SourceAddress,
) -> Result<Issued, OAuthError> {
    let Some(pool) = provider.pool(pool).await? else {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "unknown user pool",
        ));
    };
    let params = Params::parse(body);
    if let Some(fault) = params.fault() {
        return Err(OAuthError::invalid_request(fault));
    }
    let client = client_auth::authenticate(provider, &pool, headers, &params, source).await?;
    match TokenGrant::read(&params)? {
        TokenGrant::AuthorizationCode(exchange) => {
            authorization_code(provider, &pool, &client, &exchange).await
        }
        TokenGrant::RefreshToken {
            refresh_token,
            scope,
        } => provider.refresh(&pool, &client, refresh_token, scope).await,
        TokenGrant::ClientCredentials { scope } => {
            client_credentials(provider, &pool, &client, scope).await
        }
    }
}

async fn authorization_code(
    provider: &Provider,
    pool: &PoolAccess,
    client: &Client,
    exchange: &CodeExchange<'_>,
) -> Result<Issued, OAuthError> {
    if client.client_type.is_machine() {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "machine-to-machine clients use the client_credentials grant",
        ));
    }
    // The grant is made as the code is spent, in one step: a code is good for one attempt,
    // and a second attempt revokes whatever the first one issued (RFC 6749 §4.1.2).
    let (start, found) = provider
        .sign_in
        .redeem_code(&pool.uid, client, exchange.code)
        .await?;
    let code = match found {
        CodeRedemption::Redeemed(code) => code,
        CodeRedemption::Replayed => {
            tracing::warn!(pool = %pool.uid, client = %client.uid, "authorization code replayed: its grant is revoked");
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used; the tokens issued for it are revoked",
            ));
        }
        CodeRedemption::Unknown => {
            return Err(OAuthError::invalid_grant(
                "the authorization code is invalid or was already used",
            ));
        }
    };
    match redeemed(provider, pool, client, exchange, &code, &start).await {
        Ok(issued) => Ok(issued),
        Err(e) => {
            provider.sign_in.revoke_grant(&pool.uid, &start.id).await?;
            Err(e)
        }
    }
}

/// The checks of a redeemed code (RFC 6749 §4.1.3, RFC 7636 §4.6) and the tokens it earns.
async fn redeemed(
    provider: &Provider,
    pool: &PoolAccess,
    client: &Client,
    exchange: &CodeExchange<'_>,
    code: &AuthCode,
    start: &GrantStart,
) -> Result<Issued, OAuthError> {
    if code.client_uid != client.uid {
        return Err(OAuthError::invalid_grant(
            "the authorization code was issued to another client",
        ));
    }
    if code.expires_at <= provider.now() {
        return Err(OAuthError::invalid_grant(
            "the authorization code has expired",
        ));
    }
    match exchange.redirect_uri {
        Some(uri) if uri != code.redirect_uri => {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        None if client.settings.allowed_callback_urls.len() != 1 => {
            return Err(OAuthError::invalid_request("redirect_uri is required"));
        }
        _ => {}
    }
    match (&code.code_challenge, exchange.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if !secrets::pkce_well_formed(verifier) || !secrets::pkce_matches(verifier, challenge) {
                return Err(OAuthError::invalid_grant(
                    "the PKCE code_verifier does not match",
                ));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier is required (PKCE)",
            ));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "no PKCE challenge was sent for this code",
            ));
        }
        (None, None) => {}
    }
    let Some(user) = provider.user(pool, &code.user_uid).await? else {
        return Err(OAuthError::invalid_grant("the user no longer exists"));
    };
    if !provider.sign_in.may_sign_in(pool, &user) || user.generation != code.generation {
        return Err(OAuthError::invalid_grant("the user may not sign in"));
    }
    let grant = Grant {
        id: start.id.clone(),
        pool_uid: pool.uid.clone(),
        client_uid: code.client_uid.clone(),
        user_uid: code.user_uid.clone(),
        generation: code.generation,
        session_id: code.session_id.clone(),
        created_at: start.created_at,
        expires_at: start.expires_at,
    };
    let refresh = provider
        .sign_in
        .first_refresh(&grant, client, &code.scope, code.auth_time)
        .await?;
    Ok(provider
        .issue_for_user(
            pool,
            UserGrant {
                client,
                user: &user,
                scope: &code.scope,
                nonce: code.nonce.as_deref(),
                auth_time: code.auth_time,
                session_id: code.session_id.as_deref(),
                grant_id: &grant.id,
                refresh_token: Some(refresh),
            },
        )
        .await?)
}

impl Provider {
    /// Exchanges a refresh token (token endpoint and `REFRESH_TOKEN_AUTH`). With rotation on,
    /// the token is spent and a new one of the same grant stored in the same step; presenting
    /// a spent token again revokes the grant.
    pub async fn refresh(
        &self,
        pool: &PoolAccess,
        client: &Client,
        token: &str,
        scope: Option<&str>,
    ) -> Result<Issued, OAuthError> {
        let Some(found) = self.sign_in.find_refresh(&pool.uid, token).await? else {
            return Err(OAuthError::invalid_grant("the refresh token is invalid"));
        };
        if found.client_uid != client.uid {
            return Err(OAuthError::invalid_grant(
                "the refresh token was issued to another client",
            ));
        }
        let scope = match scope {
            None => found.scope.clone(),
            Some(asked) => {
                let asked = claims::grant(asked);
                if !asked.split(' ').all(|s| claims::has(&found.scope, s)) {
                    return Err(OAuthError::new(
                        OAuthErrorCode::InvalidScope,
                        "a refresh cannot widen the scope",
                    ));
                }
                asked
            }
        };
        let rotate = client.settings.refresh_token.rotation;
        let grant = Grant {
            id: found.family.clone(),
            pool_uid: pool.uid.clone(),
            client_uid: found.client_uid.clone(),
            user_uid: found.user_uid.clone(),
            generation: 0,
            session_id: found.session_id.clone(),
            created_at: found.created_at,
            expires_at: found.family_expires_at,
        };
        let next = rotate.then(|| {
            self.sign_in
                .refresh_record(&grant, client, &scope, found.auth_time)
        });
        let record = match self
            .sign_in
            .spend_refresh(&pool.uid, token, next.as_ref().map(|(_, r)| r))
            .await?
        {
            RefreshSpend::Spent(r) => r,
            RefreshSpend::Reused => {
                tracing::warn!(pool = %pool.uid, client = %client.uid, "refresh token reuse: grant revoked");
                return Err(OAuthError::invalid_grant(
                    "the refresh token was already used; its grant is revoked",
                ));
            }
            RefreshSpend::Invalid => {
                return Err(OAuthError::invalid_grant(
                    "the refresh token is expired or revoked",
                ));
            }
        };
        let Some(user) = self.user(pool, &record.user_uid).await? else {
            return Err(OAuthError::invalid_grant("the user no longer exists"));
        };
        if !self.sign_in.may_sign_in(pool, &user) {
            return Err(OAuthError::invalid_grant("the user may not sign in"));
        }
        let issued = self
            .issue_for_user(
                pool,
                UserGrant {
                    client,
                    user: &user,
                    scope: &scope,
                    nonce: None,
                    auth_time: record.auth_time,
                    session_id: record.session_id.as_deref(),
                    grant_id: &record.family,
                    refresh_token: next.map(|(token, _)| token),
                },
            )
            .await?;
        self.sign_in.record_activity(pool, &user.uid).await;
        Ok(issued)
    }
}

/// Scope of a client credentials request: space-separated tokens of printable ASCII
/// (RFC 6749 §3.3), passed through as the client asked.
fn machine_scope(asked: Option<&str>) -> Result<String, OAuthError> {
    let asked = asked.unwrap_or_default();
    let ok = asked.len() <= 1024
        && asked
            .bytes()
            .all(|b| b == b' ' || (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    if !ok {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidScope,
            "the scope is malformed",
        ));
    }
    Ok(asked
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" "))
}

async fn client_credentials(
    provider: &Provider,
    pool: &UserPool,
    client: &Client,
    scope: Option<&str>,
) -> Result<Issued, OAuthError> {
    if !client.client_type.is_machine() {
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "only machine-to-machine clients may use the client_credentials grant",
        ));
    }
    let scope = machine_scope(scope)?;
    Ok(provider.issue_for_client(pool, client, &scope).await?)
}
