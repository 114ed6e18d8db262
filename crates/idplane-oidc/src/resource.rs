//! Endpoints that take tokens back: userinfo (OIDC Core §5.3), revocation (RFC 7009) and
//! introspection (RFC 7662).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idplane_core::ids::UserUid;
use idplane_core::model::pool::UserPool;
use idplane_core::throttle::SourceAddress;
use serde_json::{Value, json};

use crate::claims;
use crate::client_auth;
use crate::errors::{BearerErrorCode, OAuthError, OAuthErrorCode, bearer_challenge, bearer_error};
use crate::params::Params;
use crate::provider::Provider;
use crate::source::Source;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub async fn userinfo(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(wait) = provider.address_refused(source) {
        return OAuthError::slow_down(wait).into_response();
    }
    let answer = userinfo_inner(&provider, &pool, &headers, &body).await;
    if let Ok(r) = &answer
        && r.status() == StatusCode::UNAUTHORIZED
    {
        provider.address_failed(source);
    }
    match answer {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "userinfo failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn userinfo_inner(
    provider: &Provider,
    pool: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> idplane_core::DomainResult<Response> {
    let form = Params::parse(body);
    if let Some(fault) = form.fault() {
        return Ok(bearer_error(BearerErrorCode::InvalidRequest, fault));
    }
    let token = bearer(headers).or_else(|| form.get("access_token"));
    let Some(token) = token else {
        return Ok(bearer_challenge());
    };
    let Some(pool) = provider.pool(pool).await? else {
        return Ok(bearer_error(
            BearerErrorCode::InvalidToken,
            "the access token is not valid here",
        ));
    };
    let Some(access) = provider.verify_access_token(&pool, token).await? else {
        return Ok(bearer_error(
            BearerErrorCode::InvalidToken,
            "the access token is invalid, expired or revoked",
        ));
    };
    let sub = access
        .claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scope = access
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !claims::has(scope, "openid") {
        return Ok(bearer_error(
            BearerErrorCode::InsufficientScope,
            "the openid scope is required",
        ));
    }
    let user = match UserUid::parse(sub) {
        Ok(uid) => provider.user(&pool, &uid).await?,
        Err(_) => None,
    };
    let Some(user) = user.filter(|u| provider.sign_in.may_sign_in(&pool, u)) else {
        return Ok(bearer_error(
            BearerErrorCode::InvalidToken,
            "the access token's user cannot be served",
        ));
    };
    let mut response = Json(Value::Object(claims::user_claims(&user, scope))).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn revoke(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match revoke_inner(&provider, &pool, &headers, &body, source).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn revoke_inner(
    provider: &Provider,
    pool: &str,
    headers: &HeaderMap,
    body: &[u8],
    source: SourceAddress,
) -> Result<(), OAuthError> {
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
    let Some(token) = params.get("token") else {
        return Err(OAuthError::invalid_request("token is required"));
    };
    // A refresh token revokes its whole grant (every token rotated from it).
    if let Some(found) = provider.sign_in.find_refresh(&pool.uid, token).await? {
        if found.client_uid != client.uid {
            return Err(OAuthError::new(
                OAuthErrorCode::UnauthorizedClient,
                "the token was issued to another client",
            ));
        }
        provider.sign_in.revoke_refresh(&pool.uid, token).await?;
        provider
            .sign_in
            .record_activity(&pool, &found.user_uid)
            .await;
        return Ok(());
    }
    if let Some(access) = provider.verify_access_token(&pool, token).await? {
        if access.claims.get("client_id").and_then(Value::as_str) != Some(client.uid.as_str()) {
            return Err(OAuthError::new(
                OAuthErrorCode::UnauthorizedClient,
                "the token was issued to another client",
            ));
        }
        let expires = idplane_core::clock::Timestamp::from_millis(access.exp.saturating_mul(1000));
        provider
            .sign_in
            .revoke_access_token(&pool.uid, &access.jti, expires)
            .await?;
        user_activity(provider, &pool, &access.claims).await;
    }
    // Unknown, expired or already revoked tokens: nothing to do (RFC 7009 §2.2).
    Ok(())
}

async fn user_activity(
    provider: &Provider,
    pool: &UserPool,
    claims: &serde_json::Map<String, Value>,
) {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if claims.get("client_id").and_then(Value::as_str) == Some(sub) {
        return; // a client's own token (client credentials): no user
    }
    if let Ok(uid) = UserUid::parse(sub) {
        provider.sign_in.record_activity(pool, &uid).await;
    }
}

pub async fn introspect(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match introspect_inner(&provider, &pool, &headers, &body, source).await {
        Ok(v) => {
            let mut response = Json(v).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn introspect_inner(
    provider: &Provider,
    pool: &str,
    headers: &HeaderMap,
    body: &[u8],
    source: SourceAddress,
) -> Result<Value, OAuthError> {
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
    if !client.client_type.is_confidential() {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "only confidential clients may introspect tokens",
        ));
    }
    let Some(token) = params.get("token") else {
        return Err(OAuthError::invalid_request("token is required"));
    };
    let inactive = json!({"active": false});
    if let Some(access) = provider.verify_access_token(&pool, token).await? {
        let c = &access.claims;
        // RFC 7662 §4: only the audience of a token learns about it. A token's audience is the
        // client it was issued to; every other client gets `active: false`.
        if c.get("client_id").and_then(Value::as_str) != Some(client.uid.as_str()) {
            return Ok(inactive);
        }
        let mut out = json!({
            "active": true,
            "token_type": "Bearer",
            "scope": c.get("scope"),
            "client_id": c.get("client_id"),
            "sub": c.get("sub"),
            "aud": c.get("aud"),
            "iss": c.get("iss"),
            "exp": c.get("exp"),
            "iat": c.get("iat"),
            "jti": c.get("jti"),
        });
        if let (Some(sub), Some(obj)) = (c.get("sub").and_then(Value::as_str), out.as_object_mut())
            && let Ok(uid) = UserUid::parse(sub)
        {
            match provider.user(&pool, &uid).await? {
                Some(u) if provider.sign_in.may_sign_in(&pool, &u) => {
                    if let Some(name) = u.profile.preferred_username.filter(|n| !n.is_empty()) {
                        obj.insert("username".into(), json!(name));
                    }
                }
                Some(_) => return Ok(inactive),
                None if c.get("client_id").and_then(Value::as_str) != Some(sub) => {
                    return Ok(inactive);
                }
                None => {}
            }
        }
        return Ok(out);
    }
    if let Some(r) = provider.sign_in.find_refresh(&pool.uid, token).await? {
        let now = provider.now();
        let live = r.client_uid == client.uid
            && !r.revoked
            && r.used_at.is_none()
            && r.expires_at > now
            && r.family_expires_at > now;
        if live {
            return Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": r.scope,
                "client_id": r.client_uid.as_str(),
                "sub": r.user_uid.as_str(),
                "exp": r.expires_at.millis() / 1000,
                "iat": r.created_at.millis() / 1000,
                "iss": provider.endpoints(&pool.uid).issuer,
            }));
        }
    }
    Ok(inactive)
}
