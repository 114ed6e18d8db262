//! The native sign-in API, `POST {issuer}/api/v1/InitiateAuth` (Cognito-shaped, as Volcengine
//! user pools offer it): `USER_PASSWORD_AUTH` and `REFRESH_TOKEN_AUTH`, with `SECRET_HASH`
//! required from clients that hold a secret.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use idplane_core::model::client::Client;
use idplane_core::model::pool::UserPool;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::errors::{OAuthError, OAuthErrorCode};
use crate::provider::{Issued, Provider, UserGrant};
use crate::signin::{SignInError, failure_message, locked_message};
use crate::source::Source;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateAuth {
    auth_flow: Option<String>,
    #[serde(default)]
    auth_parameters: std::collections::HashMap<String, String>,
    client_id: Option<String>,
}

struct NativeError {
    status: StatusCode,
    code: String,
    message: String,
    /// For 429: how long to wait.
    retry_after: Option<Duration>,
}

fn err(status: StatusCode, code: &str, message: &str) -> NativeError {
    NativeError {
        status,
        code: code.to_owned(),
        message: message.to_owned(),
        retry_after: None,
    }
}

/// Too many failures: 429 `Throttling` with `Retry-After`.
fn throttled(wait: Duration) -> NativeError {
    NativeError {
        retry_after: Some(wait),
        ..err(
            StatusCode::TOO_MANY_REQUESTS,
            "Throttling",
            &locked_message(wait),
        )
    }
}

impl IntoResponse for NativeError {
    fn into_response(self) -> Response {
        let body = json!({
            "ResponseMetadata": {
                "RequestId": uuid::Uuid::now_v7().to_string(),
                "Action": "InitiateAuth",
                "Error": {"Code": self.code, "Message": self.message},
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

impl From<idplane_core::DomainError> for NativeError {
    fn from(e: idplane_core::DomainError) -> Self {
        tracing::error!(error = %e, "InitiateAuth failed");
        err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the request could not be completed",
        )
    }
}

impl From<OAuthError> for NativeError {
    fn from(e: OAuthError) -> Self {
        match e.code {
            OAuthErrorCode::ServerError => err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "the request could not be completed",
            ),
            _ => match e.retry_after {
                Some(wait) => throttled(wait),
                None => err(StatusCode::BAD_REQUEST, "NotAuthorized", &e.description),
            },
        }
    }
}

/// base64(HMAC-SHA256(key = client secret, message = username + client id)).
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

pub async fn initiate_auth(
    State(provider): State<Arc<Provider>>,
    Path(pool): Path<String>,
    Source(source): Source,
    body: Bytes,
) -> Response {
    if let Some(wait) = provider.address_refused(source) {
        return throttled(wait).into_response();
    }
    let outcome = run(&provider, &pool, &body).await;
    if let Err(e) = &outcome
        && matches!(e.status.as_u16(), 400 | 429)
        && matches!(e.code.as_str(), "NotAuthorized" | "Throttling")
    {
        provider.address_failed(source);
    }
    match outcome {
        Ok(issued) => {
            let mut result = json!({
                "AccessToken": issued.access_token,
                "ExpiresIn": issued.expires_in,
                "TokenType": "Bearer",
            });
            if let Some(obj) = result.as_object_mut() {
                if let Some(t) = issued.id_token {
                    obj.insert("IdToken".into(), Value::String(t));
                }
                if let Some(t) = issued.refresh_token {
                    obj.insert("RefreshToken".into(), Value::String(t));
                }
            }
            let body = json!({
                "ResponseMetadata": {"RequestId": uuid::Uuid::now_v7().to_string(), "Action": "InitiateAuth"},
                "Result": {"AuthenticationResult": result},
            });
            let mut response = Json(body).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => e.into_response(),
    }
}

fn check_secret_hash(
    provider: &Provider,
    pool: &UserPool,
    client: &Client,
    username: &str,
    given: Option<&String>,
) -> Result<(), NativeError> {
    let Some(secret) = provider.clients.secret(client)? else {
        return Ok(());
    };
    if let Some(wait) = provider.client_refused(pool, client.uid.as_str()) {
        return Err(throttled(wait));
    }
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "MissingParameter.SECRET_HASH",
            "this client has a secret: AuthParameters.SECRET_HASH is required",
        ));
    };
    let expected = secret_hash(&secret, username, client.uid.as_str());
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        provider.client_failed(pool, client.uid.as_str());
        Err(err(
            StatusCode::BAD_REQUEST,
            "NotAuthorized",
            "SECRET_HASH does not match",
        ))
    }
}

async fn run(provider: &Provider, pool: &str, body: &[u8]) -> Result<Issued, NativeError> {
    let Some(pool) = provider.pool(pool).await? else {
        return Err(err(StatusCode::NOT_FOUND, "NotFound", "unknown user pool"));
    };
    let req: InitiateAuth = serde_json::from_slice(body).map_err(|e| {
        err(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            &format!("malformed request body: {e}"),
        )
    })?;
    let Some(client_id) = req.client_id.filter(|c| !c.is_empty()) else {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "MissingParameter.ClientId",
            "ClientId is required",
        ));
    };
    let Some(client) = provider.client(&pool, &client_id).await? else {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.ClientId",
            "the client is not registered with this user pool",
        ));
    };
    if client.client_type.is_machine() {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.ClientId",
            "machine-to-machine clients cannot sign users in",
        ));
    }
    let p = &req.auth_parameters;
    let param = |name: &str| p.get(name).map(String::as_str).filter(|v| !v.is_empty());
    match req.auth_flow.as_deref() {
        Some("USER_PASSWORD_AUTH") => {
            let (Some(username), Some(password)) = (param("USERNAME"), param("PASSWORD")) else {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "MissingParameter.AuthParameters",
                    "USERNAME and PASSWORD are required",
                ));
            };
            check_secret_hash(provider, &pool, &client, username, p.get("SECRET_HASH"))?;
            let user = match provider.sign_in.password(&pool, username, password).await? {
                Ok(u) => u,
                Err(SignInError::MustChangePassword(_)) => {
                    return Err(err(
                        StatusCode::BAD_REQUEST,
                        "PasswordResetRequired",
                        "the password must be changed before signing in (use the hosted page)",
                    ));
                }
                Err(SignInError::Locked(wait)) => return Err(throttled(wait)),
                Err(e) => {
                    return Err(err(
                        StatusCode::BAD_REQUEST,
                        "NotAuthorized",
                        &failure_message(&e),
                    ));
                }
            };
            let scope = "openid profile email phone";
            let grant = provider.sign_in.start_grant(&pool, &client, &user).await?;
            let auth_time = provider.now();
            let refresh = provider
                .sign_in
                .first_refresh(&grant, &client, scope, auth_time)
                .await?;
            Ok(provider
                .issue_for_user(
                    &pool,
                    UserGrant {
                        client: &client,
                        user: &user,
                        scope,
                        nonce: None,
                        auth_time,
                        session_id: None,
                        grant_id: &grant.id,
                        refresh_token: Some(refresh),
                    },
                )
                .await?)
        }
        Some("REFRESH_TOKEN_AUTH") => {
            let Some(token) = param("REFRESH_TOKEN") else {
                return Err(err(
                    StatusCode::BAD_REQUEST,
                    "MissingParameter.AuthParameters",
                    "REFRESH_TOKEN is required",
                ));
            };
            if provider.clients.secret(&client)?.is_some() {
                let username = param("USERNAME").unwrap_or_default();
                check_secret_hash(provider, &pool, &client, username, p.get("SECRET_HASH"))?;
            }
            Ok(provider.refresh(&pool, &client, token, None).await?)
        }
        None => Err(err(
            StatusCode::BAD_REQUEST,
            "MissingParameter.AuthFlow",
            "AuthFlow is required",
        )),
        Some(_) => Err(err(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.AuthFlow",
            "AuthFlow must be USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_formula() {
        // Python: base64.b64encode(hmac.new(b"s3cret", b"alice" + b"client1", "sha256").digest())
        assert_eq!(
            secret_hash("s3cret", "alice", "client1"),
            "OLH8A5YiDq5WyVbgkLVAtm0hdL7P1QQ+z61K3T8oAEk="
        );
    }
}
