//! The control plane's one route: `/`, where both dialects arrive.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::any;
use futures_util::FutureExt;
use idplane_core::throttle::SourceAddress;
use tracing::Instrument;

use crate::request::ApiRequest;
use crate::state::ApiState;
use crate::{tencent, volc};

/// The largest request body accepted (the clouds' gateways allow 10 MB).
pub const MAX_BODY: usize = 10 * 1024 * 1024;

pub fn router(state: Arc<ApiState>) -> Router {
    Router::new().route("/", any(handle)).with_state(state)
}

async fn handle(State(state): State<Arc<ApiState>>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let source = parts.extensions.get::<SourceAddress>().copied();
    let headers = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = axum::body::to_bytes(body, MAX_BODY).await;
    if let Err(e) = &body
        && !is_length_limit(e)
    {
        // The body did not arrive in time (the server's body deadline) or the connection broke.
        tracing::debug!(error = %e, "reading a request body failed");
        let mut answer = Response::new(Body::from("the request body did not arrive in time"));
        *answer.status_mut() = axum::http::StatusCode::REQUEST_TIMEOUT;
        return answer;
    }
    let too_large = body.is_err();
    let request = ApiRequest {
        method: parts.method,
        raw_query: parts.uri.query().unwrap_or("").to_owned(),
        headers,
        body: body.unwrap_or_default(),
        request_id: request_id.clone(),
        source,
    };
    let span = tracing::info_span!("request", request_id = %request_id);
    let mut response = if tencent::claims(&request) {
        let answer = tencent::handle(&state, request, too_large).instrument(span);
        guarded(answer, || tencent::internal_error(&request_id)).await
    } else {
        let answer = volc::handle(&state, request, too_large).instrument(span);
        guarded(answer, || volc::internal_error(&request_id)).await
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// The answer of `handling`, or `internal_error()` when it panics: a panic ends its own request
/// only, answered in the dialect's `InternalError` form (the hook logs what and where).
async fn guarded(
    handling: impl std::future::Future<Output = Response>,
    internal_error: impl FnOnce() -> Response,
) -> Response {
    match AssertUnwindSafe(handling).catch_unwind().await {
        Ok(response) => response,
        Err(_) => internal_error(),
    }
}

/// Whether a body failed for being longer than [`MAX_BODY`] (and not for arriving too slowly).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains("length limit exceeded") {
            return true;
        }
        source = err.source();
    }
    false
}

/// A JSON response with exactly `application/json` as its content type (Tencent's SDK needs it).
pub(crate) fn json_response(status: axum::http::StatusCode, body: &serde_json::Value) -> Response {
    json_text_response(status, body.to_string())
}

/// A response of JSON text already serialized.
pub(crate) fn json_text_response(status: axum::http::StatusCode, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Answers may carry secrets (a client's secret) and always carry tenant data.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_oversized_body_is_told_from_a_slow_one() {
        let big = Body::from(vec![b'x'; MAX_BODY + 1]);
        let e = axum::body::to_bytes(big, MAX_BODY).await.unwrap_err();
        assert!(is_length_limit(&e));
    }

    #[tokio::test]
    async fn a_panicking_request_gets_its_dialects_internal_error() {
        let request_id = "r-1";
        let panicking = async {
            if request_id.len() < 100 {
                panic!("deliberately");
            }
            Response::new(Body::empty())
        };
        let answer = guarded(panicking, || volc::internal_error(request_id)).await;
        assert_eq!(
            answer.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["ResponseMetadata"]["Error"]["Code"], "InternalError");
        assert_eq!(body["ResponseMetadata"]["RequestId"], "r-1");
        let answer = guarded(async { panic!("again") }, || tencent::internal_error("r-2")).await;
        let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["Response"]["Error"]["Code"], "InternalError");
    }
}
