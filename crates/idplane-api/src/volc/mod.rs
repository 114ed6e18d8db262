//! The Volcengine `id` dialect (Version 2025-10-30): `POST /?Action=…&Version=…` with a JSON
//! body (or GET with query parameters), signed with HMAC-SHA256 (Volcengine V4).

mod actions;
mod auth;
pub mod catalog;
mod decode;
mod envelope;
pub mod error;
pub(crate) mod fields;
mod wire;

use axum::http::Method;
use axum::response::Response;

use crate::request::ApiRequest;
use crate::state::ApiState;
use error::VolcError;

pub const SERVICE: &str = "id";
pub const VERSION: &str = "2025-10-30";
/// The region echoed when a request's credential scope cannot be read.
pub const DEFAULT_REGION: &str = "cn-beijing";

/// Answers one request in the Volcengine dialect.
pub async fn handle(state: &ApiState, request: ApiRequest, too_large: bool) -> Response {
    let action = request.query_param("Action").unwrap_or_default();
    let mut meta = envelope::Meta {
        request_id: request.request_id.clone(),
        action: action.clone(),
        region: DEFAULT_REGION.to_owned(),
    };
    let started = std::time::Instant::now();
    let outcome = run(state, &request, &action, too_large, &mut meta).await;
    let response = match outcome {
        Ok(result) => envelope::success(&meta, result),
        Err(error) => envelope::failure(&meta, &error),
    };
    tracing::info!(
        action = crate::loggable_action(&action, catalog::is_catalog_action(&action)),
        writes = actions::effect(&action) == actions::Effect::Writes,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "volcengine request"
    );
    response
}

/// The answer to a request whose handling panicked: `InternalError`, the details logged.
pub fn internal_error(request_id: &str) -> Response {
    let meta = envelope::Meta {
        request_id: request_id.to_owned(),
        action: String::new(),
        region: DEFAULT_REGION.to_owned(),
    };
    envelope::failure(&meta, &VolcError::InternalError)
}

async fn run(
    state: &ApiState,
    request: &ApiRequest,
    action: &str,
    too_large: bool,
    meta: &mut envelope::Meta,
) -> Result<serde_json::Value, VolcError> {
    if request.method != Method::POST && request.method != Method::GET {
        return Err(VolcError::MethodNotAllowed);
    }
    if too_large {
        return Err(VolcError::RequestTooLarge);
    }
    if action.is_empty() {
        return Err(VolcError::MissingAction);
    }
    if !catalog::is_catalog_action(action) {
        return Err(VolcError::InvalidAction(action.to_owned()));
    }
    match request.query_param("Version") {
        Some(v) if v == VERSION => {}
        Some(v) => return Err(VolcError::InvalidVersion(v)),
        None => return Err(VolcError::MissingParameter("Version".to_owned())),
    }
    if request.source_refused(state).is_err() {
        return Err(VolcError::Throttling);
    }
    let authenticated = auth::authenticate(state, request).await;
    if let Some(region) = auth::region_of(request) {
        meta.region = region;
    }
    if authenticated
        .as_ref()
        .is_err_and(VolcError::is_authentication)
    {
        request.source_failed(state);
    }
    let caller = authenticated?;
    if !state.limiter.try_acquire(caller.access_key_id().as_str()) {
        return Err(VolcError::Throttling);
    }
    let params = decode::params(request)?;
    let ctx = actions::Ctx {
        dir: &state.directory,
        clients: &state.clients,
        workloads: &state.workloads,
        caller: &caller,
        public_url: &state.public_url,
    };
    actions::dispatch(&ctx, action, params).await
}
