//! Who is calling the token, revocation and introspection endpoints (RFC 6749 §2.3):
//! `client_secret_basic`, `client_secret_post`, or a public client naming itself (`none`).

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use idplane_core::throttle::SourceAddress;

use crate::errors::{OAuthError, OAuthErrorCode};
use crate::params::Params;
use crate::provider::Provider;

fn form_decode(text: &str) -> String {
    form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Client id and secret from `Authorization: Basic`, each form-urlencoded (§2.3.1).
fn basic(headers: &HeaderMap) -> Option<Result<(String, String), OAuthError>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bad = || OAuthError::invalid_request("malformed Basic authorization header");
    let decoded = match STANDARD.decode(rest.trim()) {
        Ok(d) => d,
        Err(_) => return Some(Err(bad())),
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return Some(Err(bad()));
    };
    match text.split_once(':') {
        Some((id, secret)) => Some(Ok((form_decode(id), form_decode(secret)))),
        None => Some(Err(bad())),
    }
}

fn invalid_client(basic_used: bool) -> OAuthError {
    OAuthError {
        basic_challenge: basic_used,
        ..OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "client authentication failed",
        )
    }
}

/// The authenticated client. Confidential clients must prove their secret; public clients
/// only name themselves. Failures count against the source address and, for a registered
/// client, against the client; either refused for too many answers 429 before anything is
/// checked.
pub async fn authenticate(
    provider: &Provider,
    pool: &UserPool,
    headers: &HeaderMap,
    params: &Params,
    source: SourceAddress,
) -> Result<Client, OAuthError> {
    if let Some(wait) = provider.address_refused(source) {
        provider.address_failed(source);
        return Err(OAuthError::slow_down(wait));
    }
    let outcome = check(provider, pool, headers, params).await;
    if let Err(e) = &outcome
        && (e.code == OAuthErrorCode::InvalidClient || e.retry_after.is_some())
    {
        provider.address_failed(source);
    }
    outcome
}

async fn check(
    provider: &Provider,
    pool: &UserPool,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let (id, secret, basic_used) = match basic(headers) {
        Some(Ok((id, secret))) => {
            if params.get("client_secret").is_some() {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method, not two",
                ));
            }
            if params.get("client_id").is_some_and(|c| c != id) {
                return Err(OAuthError::invalid_request(
                    "client_id differs from the authenticated client",
                ));
            }
            (id, Some(secret), true)
        }
        Some(Err(e)) => return Err(e),
        None => match params.get("client_id") {
            Some(id) => (
                id.to_owned(),
                params.get("client_secret").map(str::to_owned),
                false,
            ),
            None => return Err(invalid_client(false)),
        },
    };
    let Some(client) = provider.client(pool, &id).await? else {
        return Err(invalid_client(basic_used));
    };
    if client.client_type.is_confidential() {
        if let Some(wait) = provider.client_refused(pool, &id) {
            return Err(OAuthError::slow_down(wait));
        }
        match secret {
            Some(s) if provider.clients.verify_secret(&client, &s) => Ok(client),
            _ => {
                provider.client_failed(pool, &id);
                Err(invalid_client(basic_used))
            }
        }
    } else if secret.is_some_and(|s| !s.is_empty()) {
        // A public client has no secret to present.
        Err(invalid_client(basic_used))
    } else {
        Ok(client)
    }
}
