//! The Tencent Cloud EIAM dialect (Version 2021-04-20): `POST /` with `X-TC-Action` and a JSON
//! body signed with TC3-HMAC-SHA256 (or GET with flattened parameters, or the legacy
//! `HmacSHA1`/`HmacSHA256` form signatures). Every answer is HTTP 200 with `{"Response": …}`.
//! Requests act on the access key's bound pool, else the account's `default` pool.

mod actions;
mod auth;
pub mod catalog;
mod decode;
mod envelope;
pub mod error;
mod fields;
mod wire;

use axum::http::Method;
use axum::response::Response;

use crate::request::ApiRequest;
use crate::state::ApiState;
use error::TcError;

pub const SERVICE: &str = "eiam";
pub const VERSION: &str = "2021-04-20";

/// Whether a request is in this dialect: TC3 headers, or legacy signature parameters.
pub fn claims(request: &ApiRequest) -> bool {
    if request.header("x-tc-action").is_some()
        || request
            .header("authorization")
            .is_some_and(|a| a.trim_start().starts_with("TC3-"))
    {
        return true;
    }
    if request.header("authorization").is_some() {
        return false;
    }
    let params = auth::legacy_params(request);
    params.iter().any(|(k, _)| k == "SignatureMethod")
        || (params.iter().any(|(k, _)| k == "Nonce") && params.iter().any(|(k, _)| k == "SecretId"))
}

/// Answers one request in the Tencent dialect.
pub async fn handle(state: &ApiState, request: ApiRequest, too_large: bool) -> Response {
    let started = std::time::Instant::now();
    let (action, outcome) = match run(state, &request, too_large).await {
        Ok((action, value)) => (action, Ok(value)),
        Err((action, e)) => (action, Err(e)),
    };
    let response = match &outcome {
        Ok(result) => envelope::success(&request.request_id, result),
        Err(e) => envelope::failure(&request.request_id, e),
    };
    tracing::info!(
        action = crate::loggable_action(&action, catalog::is_catalog_action(&action)),
        writes = actions::effect(&action) == actions::Effect::Writes,
        error = outcome
            .as_ref()
            .err()
            .map(TcError::code)
            .unwrap_or_default(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "tencent request"
    );
    response
}

/// The answer to a request whose handling panicked: `InternalError`, the details logged.
pub fn internal_error(request_id: &str) -> Response {
    envelope::failure(request_id, &TcError::InternalError)
}

type Failure = (String, TcError);

async fn run(
    state: &ApiState,
    request: &ApiRequest,
    too_large: bool,
) -> Result<(String, String), Failure> {
    let legacy = auth::legacy_params(request);
    let param = |name: &str| {
        legacy
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let action = request
        .header("x-tc-action")
        .map(str::to_owned)
        .or_else(|| param("Action"))
        .unwrap_or_default();
    let fail = |e: TcError| (action.clone(), e);
    if request.method != Method::POST && request.method != Method::GET {
        return Err(fail(TcError::UnsupportedProtocol(
            "Use POST or GET on /.".to_owned(),
        )));
    }
    if too_large {
        return Err(fail(TcError::RequestSizeLimitExceeded));
    }
    if action.is_empty() {
        return Err(fail(TcError::MissingParameter(
            "The action (X-TC-Action) is missing.".to_owned(),
        )));
    }
    if request.source_refused(state).is_err() {
        return Err(fail(TcError::RequestLimitExceeded));
    }
    let authenticated = auth::authenticate(state, request).await;
    if authenticated
        .as_ref()
        .is_err_and(TcError::is_authentication)
    {
        request.source_failed(state);
    }
    let caller = authenticated.map_err(fail)?;
    let version = request
        .header("x-tc-version")
        .map(str::to_owned)
        .or_else(|| param("Version"))
        .unwrap_or_default();
    if version != VERSION {
        return Err(fail(TcError::NoSuchVersion(version)));
    }
    if !catalog::is_catalog_action(&action) {
        return Err(fail(TcError::InvalidAction(action.clone())));
    }
    if !state.limiter.try_acquire(caller.access_key_id().as_str()) {
        return Err(fail(TcError::RequestLimitExceeded));
    }
    let params = if request.header("authorization").is_some() && request.method == Method::POST {
        decode::json_body(&request.body)
    } else if request.header("authorization").is_some() {
        decode::unflatten(request.query_pairs())
    } else {
        decode::unflatten(legacy.clone())
    };
    let params = params.and_then(decode::bounded).map_err(fail)?;
    let access = state
        .directory
        .default_pool(&caller)
        .await
        .map_err(|e| fail(TcError::from(e)))?;
    let ctx = actions::Ctx {
        dir: &state.directory,
        access: &access,
    };
    let value = actions::dispatch(&ctx, &action, params)
        .await
        .map_err(fail)?;
    Ok((action, value))
}
