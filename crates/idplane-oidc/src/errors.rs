//! OAuth error answers: JSON at the token-style endpoints (RFC 6749 §5.2, RFC 7009, RFC 7662),
//! redirects back to a registered redirect URI from the authorization endpoint (§4.1.2.1),
//! and `WWW-Authenticate` challenges at userinfo (RFC 6750 §3).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

/// An error of the token, revocation and introspection endpoints.
#[derive(Debug)]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
    /// `invalid_client` after HTTP Basic: answer 401 with a Basic challenge.
    pub basic_challenge: bool,
    /// Too many failed attempts: answer 429 with `Retry-After` (RFC 6585 §4).
    pub retry_after: Option<std::time::Duration>,
}

impl OAuthError {
    pub fn new(code: &'static str, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// Refused for too many failed attempts: `slow_down` (the RFC 8628 §3.5 code for "too
    /// fast"), HTTP 429, `Retry-After`.
    pub fn slow_down(wait: std::time::Duration) -> Self {
        Self {
            retry_after: Some(wait),
            ..Self::new(
                "slow_down",
                format!(
                    "too many failed attempts; retry after {} seconds",
                    wait.as_secs().max(1)
                ),
            )
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn server_error() -> Self {
        Self::new("server_error", "the server could not complete the request")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match self.code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            _ if self.retry_after.is_some() => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = json!({"error": self.code, "error_description": self.description});
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        if self.basic_challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"idplane\""),
            );
        }
        response
    }
}

impl From<idplane_core::DomainError> for OAuthError {
    fn from(e: idplane_core::DomainError) -> Self {
        tracing::error!(error = %e, "data plane request failed");
        Self::server_error()
    }
}

/// Appends parameters to a redirect URI that may already carry a query.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// An authorization error sent back to the client's (already verified) redirect URI.
pub fn redirect_error(
    redirect_uri: &str,
    code: &str,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let mut params = vec![("error", code), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    params.push(("iss", issuer));
    Redirect::to(&with_query(redirect_uri, &params)).into_response()
}

/// RFC 6750 §3: 401 with a Bearer challenge.
pub fn bearer_error(code: &str, description: &str) -> Response {
    let challenge = format!("Bearer error=\"{code}\", error_description=\"{description}\"");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_keep_their_query() {
        assert_eq!(
            with_query("https://a/cb", &[("code", "x y")]),
            "https://a/cb?code=x+y"
        );
        assert_eq!(
            with_query("https://a/cb?k=1", &[("s", "2")]),
            "https://a/cb?k=1&s=2"
        );
    }
}
