//! Who is calling: a TC3-HMAC-SHA256 `Authorization` header, or the legacy `HmacSHA1` /
//! `HmacSHA256` signature parameters, checked against the access key's secret, with the
//! timestamp within 5 minutes of the server's clock.

use idplane_core::model::account::Caller;
use idplane_core::store::Claim;
use idplane_sign::tc3;

use super::SERVICE;
use super::error::TcError;
use crate::request::ApiRequest;
use crate::state::ApiState;

/// How far the request's timestamp may be from the server's clock, either way.
pub const MAX_SKEW_SECONDS: i64 = 5 * 60;

/// The parameters of a legacy-signed request: the query (GET) or the form body (POST).
pub fn legacy_params(request: &ApiRequest) -> Vec<(String, String)> {
    if request.method == axum::http::Method::GET {
        request.query_pairs()
    } else {
        form_urlencoded::parse(&request.body).into_owned().collect()
    }
}

fn check_skew(state: &ApiState, timestamp: i64) -> Result<(), TcError> {
    let now = state.clock.now().millis() / 1000;
    let skew = now.abs_diff(timestamp);
    if skew > MAX_SKEW_SECONDS.unsigned_abs() {
        return Err(TcError::SignatureExpire(format!(
            "Signature expired: the request timestamp {timestamp} is {skew} seconds {} the server time (at most {MAX_SKEW_SECONDS} allowed).",
            if now > timestamp {
                "behind"
            } else {
                "ahead of"
            }
        )));
    }
    Ok(())
}

async fn key_secret(
    state: &ApiState,
    secret_id: &str,
) -> Result<idplane_core::service::KeyMaterial, TcError> {
    state.keys.lookup(secret_id).await.map_err(|e| match e {
        e if e.is_not_found() => TcError::SecretIdNotFound,
        other => TcError::from(other),
    })
}

fn timestamp_of(text: Option<&str>) -> Result<i64, TcError> {
    text.and_then(|t| t.trim().parse().ok()).ok_or_else(|| {
        TcError::InvalidAuthorization(
            "The request timestamp (X-TC-Timestamp or Timestamp) is missing or not a number."
                .to_owned(),
        )
    })
}

/// The host of a `Host` header value, without its port (`[::1]:8080` → `[::1]`).
fn host_name(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!name.contains(':') || name.ends_with(']')) =>
        {
            name
        }
        _ => host,
    }
}

pub async fn authenticate(state: &ApiState, request: &ApiRequest) -> Result<Caller, TcError> {
    match request.header("authorization") {
        Some(header) => tc3_authenticate(state, request, header).await,
        None => legacy_authenticate(state, request).await,
    }
}

async fn tc3_authenticate(
    state: &ApiState,
    request: &ApiRequest,
    header: &str,
) -> Result<Caller, TcError> {
    let auth = tc3::parse_authorization(header).map_err(|e| {
        TcError::InvalidAuthorization(format!("The Authorization header is invalid: {e}"))
    })?;
    // The Node.js SDK names as service the endpoint it was given up to its first dot:
    // `127` for 127.0.0.1:8080, `localhost:8080` for localhost:8080.
    let host = request.header("host").unwrap_or_default();
    let first_label = host.split('.').next().unwrap_or_default();
    let first_name_label = host_name(host).split('.').next().unwrap_or_default();
    if auth.service != SERVICE && auth.service != first_label && auth.service != first_name_label {
        return Err(TcError::InvalidAuthorization(format!(
            "The credential scope names service {:?}; this is {SERVICE:?} (or the first label \
             of the host the request was sent to, {first_label:?}).",
            auth.service
        )));
    }
    let timestamp = timestamp_of(request.header("x-tc-timestamp"))?;
    check_skew(state, timestamp)?;
    let material = key_secret(state, &auth.secret_id).await?;
    let parts = tc3::RequestParts {
        method: request.method.as_str(),
        path: "/",
        raw_query: &request.raw_query,
        headers: &request.headers,
        body: &request.body,
    };
    let verified = tc3::verify(&parts, &auth, timestamp, material.secret()).or_else(|e| {
        // The Node.js SDK signs the host without the port it sends in `Host`: the same host,
        // signed as the client was pointed at it. Only that one header may differ.
        if host_name(host) == host {
            return Err(e);
        }
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(n, v)| {
                let v = if n == "host" { host_name(v) } else { v };
                (n.clone(), v.to_owned())
            })
            .collect();
        let without_port = tc3::RequestParts {
            headers: &headers,
            ..parts
        };
        tc3::verify(&without_port, &auth, timestamp, material.secret()).map_err(|_| e)
    });
    verified.map_err(|e| {
        TcError::SignatureFailure(format!(
            "The provided credentials could not be validated: {e}."
        ))
    })?;
    if !auth.signed_headers.iter().any(|h| h == "x-tc-action") {
        // The action is not signed (the official SDKs sign only content-type and host): the
        // same signature could carry another action, so it is good for one request.
        let action = request.header("x-tc-action").unwrap_or_default();
        once(
            state,
            &["tc3", &auth.secret_id, &auth.signature],
            action,
            timestamp,
            Reuse::ByReads,
        )
        .await?;
    }
    Ok(material.into_caller())
}

/// How a request whose signature covers too little may be used again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reuse {
    /// Never: a legacy request's nonce is used once.
    Never,
    /// By actions that only read (Describe…, List…). The signature does not cover the action,
    /// so a signature once seen is never taken for a change (that is what a captured read
    /// re-sent as a delete would be); identical reads — which the official SDKs send within one
    /// second when paging or polling — are answered again.
    ByReads,
}

/// Claims the request identified by `parts` for `action` within the skew window, across
/// every process sharing the store (its timestamp is refused as stale after that).
async fn once(
    state: &ApiState,
    parts: &[&str],
    action: &str,
    timestamp: i64,
    reuse: Reuse,
) -> Result<(), TcError> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for p in parts {
        hash.update(p.as_bytes());
        hash.update([0]);
    }
    let key: [u8; 32] = hash.finalize().into();
    let until = timestamp
        .saturating_add(MAX_SKEW_SECONDS + 1)
        .saturating_mul(1000);
    let claim = state
        .keys
        .claim(
            &key,
            action,
            idplane_core::clock::Timestamp::from_millis(until),
        )
        .await?;
    let reads = super::actions::effect(action) == super::actions::Effect::Reads;
    match claim {
        Claim::First => Ok(()),
        Claim::Again { .. } if reuse == Reuse::ByReads && reads => Ok(()),
        Claim::Again { action: first } => {
            tracing::warn!(
                first = crate::loggable_action(&first, super::catalog::is_catalog_action(&first)),
                now = crate::loggable_action(action, super::catalog::is_catalog_action(action)),
                "a signed request came again"
            );
            Err(TcError::SignatureFailure(
                "This signed request was already received. A signature that does not cover \
                 X-TC-Action is taken for one change only (reads may repeat); a legacy \
                 request's Nonce is taken once. Send a new request (a new timestamp or nonce), \
                 or sign X-TC-Action."
                    .to_owned(),
            ))
        }
    }
}

async fn legacy_authenticate(state: &ApiState, request: &ApiRequest) -> Result<Caller, TcError> {
    let params = legacy_params(request);
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let secret_id = get("SecretId").ok_or_else(|| {
        TcError::InvalidAuthorization(
            "The request carries no Authorization header and no SecretId.".to_owned(),
        )
    })?;
    let timestamp = timestamp_of(get("Timestamp"))?;
    check_skew(state, timestamp)?;
    let material = key_secret(state, secret_id).await?;
    let host = request.header("host").unwrap_or("");
    tc3::verify_legacy(
        request.method.as_str(),
        host,
        "/",
        &params,
        material.secret(),
    )
    .map_err(|e| {
        TcError::SignatureFailure(format!(
            "The provided credentials could not be validated: {e}."
        ))
    })?;
    let nonce = get("Nonce")
        .or_else(|| get("Signature"))
        .unwrap_or_default();
    let action = get("Action").unwrap_or_default();
    once(
        state,
        &["legacy", secret_id, nonce],
        action,
        timestamp,
        Reuse::Never,
    )
    .await?;
    Ok(material.into_caller())
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn hosts_lose_only_their_port() {
        assert_eq!(host_name("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(
            host_name("eiam.example.internal:8080"),
            "eiam.example.internal"
        );
        assert_eq!(host_name("eiam.example.internal"), "eiam.example.internal");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("::1"), "::1");
        assert_eq!(host_name("host:"), "host:");
    }
}
