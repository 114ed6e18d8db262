//! OAuth error answers: JSON at the token-style endpoints (RFC 6749 §5.2, RFC 7009, RFC 7662),
//! redirects back to a registered redirect URI from the authorization endpoint (§4.1.2.1),
//! and `WWW-Authenticate` challenges at userinfo (RFC 6750 §3).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

/// The error codes the token, revocation and introspection endpoints answer, each with the
/// HTTP status it is sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    /// RFC 6749 §5.2: a parameter is missing, repeated or malformed, or the request is
    /// otherwise malformed. 400.
    InvalidRequest,
    /// RFC 6749 §5.2: client authentication failed (unknown client, no or a wrong secret). 401,
    /// with a `Basic` challenge when the client tried HTTP Basic.
    InvalidClient,
    /// RFC 6749 §5.2: the grant (code, refresh token, resource owner credentials) is invalid,
    /// expired, revoked, already used, or was issued to another client or redirect URI. 400.
    InvalidGrant,
    /// RFC 6749 §5.2: the client is not allowed to use this grant type. 400.
    UnauthorizedClient,
    /// RFC 6749 §5.2: the grant type is not supported by this server. 400.
    UnsupportedGrantType,
    /// RFC 6749 §5.2: the scope is invalid, unknown, malformed, or beyond what was granted. 400.
    InvalidScope,
    /// RFC 8628 §3.5 ("slow down"): too many failed attempts; sent with 429 and `Retry-After`
    /// (RFC 6585 §4).
    SlowDown,
    /// RFC 6749 §4.1.2.1 (`server_error`, used at the token endpoint as most servers do): the
    /// server could not complete the request. 500; the detail is logged, never sent.
    ServerError,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::SlowDown => "slow_down",
            Self::ServerError => "server_error",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::SlowDown => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidRequest
            | Self::InvalidGrant
            | Self::UnauthorizedClient
            | Self::UnsupportedGrantType
            | Self::InvalidScope => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error of the token, revocation and introspection endpoints.
#[derive(Debug)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
    /// `invalid_client` after HTTP Basic: answer 401 with a Basic challenge.
    pub basic_challenge: bool,
    /// Too many failed attempts: answer 429 with `Retry-After` (RFC 6585 §4).
    pub retry_after: Option<std::time::Duration>,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            basic_challenge: false,
            retry_after: None,
        }
    }

    /// Refused for too many failed attempts.
    pub fn slow_down(wait: std::time::Duration) -> Self {
        Self {
            retry_after: Some(wait),
            ..Self::new(
                OAuthErrorCode::SlowDown,
                format!(
                    "too many failed attempts; retry after {} seconds",
                    wait.as_secs().max(1)
                ),
            )
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }

    pub fn server_error() -> Self {
        Self::new(
            OAuthErrorCode::ServerError,
            "the server could not complete the request",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = json!({"error": self.code.as_str(), "error_description": self.description});
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

/// The error codes the authorization endpoint sends back to a client's redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizeErrorCode {
    /// RFC 6749 §4.1.2.1: a parameter is missing, repeated or malformed (PKCE's
    /// `code_challenge` included, RFC 7636 §4.4.1).
    InvalidRequest,
    /// RFC 6749 §4.1.2.1: the client may not use the authorization code flow.
    UnauthorizedClient,
    /// RFC 6749 §4.1.2.1: the resource owner or the server refused.
    AccessDenied,
    /// RFC 6749 §4.1.2.1: a `response_type` other than `code`.
    UnsupportedResponseType,
    /// RFC 6749 §4.1.2.1: the scope asked for is invalid or unknown.
    InvalidScope,
    /// OpenID Connect Core 1.0 §3.1.2.6: `prompt=none` and nobody is signed in.
    LoginRequired,
}

impl AuthorizeErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::LoginRequired => "login_required",
        }
    }
}

/// An authorization error sent back to the client's (already verified) redirect URI.
pub fn redirect_error(
    redirect_uri: &str,
    code: AuthorizeErrorCode,
    description: &str,
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let mut params = vec![("error", code.as_str()), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    params.push(("iss", issuer));
    Redirect::to(&with_query(redirect_uri, &params)).into_response()
}

/// The error codes a protected resource (userinfo) answers, RFC 6750 §3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerErrorCode {
    /// RFC 6750 §3.1: the request is malformed (a bad parameter, two ways of sending the
    /// token). 400.
    InvalidRequest,
    /// RFC 6750 §3.1: the token is expired, revoked, malformed or not for this resource. 401.
    InvalidToken,
    /// RFC 6750 §3.1: the token lacks the scope the resource needs. 403.
    InsufficientScope,
}

impl BearerErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
        }
    }
}

/// RFC 6750 §3.1: a request with no token at all gets 401 and a bare challenge, no error code.
pub fn bearer_challenge() -> Response {
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"idplane\""),
    );
    response
}

/// RFC 6750 §3: the code's status with a Bearer challenge naming the error.
pub fn bearer_error(code: BearerErrorCode, description: &str) -> Response {
    let challenge = format!(
        "Bearer error=\"{}\", error_description=\"{description}\"",
        code.as_str()
    );
    let mut response = (
        code.status(),
        Json(json!({"error": code.as_str(), "error_description": description})),
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

    /// RFC 6749 §5.2: 401 for a failed client authentication, 400 for the other codes; 429 for
    /// throttling (RFC 6585 §4), 500 for the server's own failure; each with its RFC spelling.
    #[test]
    fn each_token_error_has_its_status_and_spelling() {
        use OAuthErrorCode::*;
        let table = [
            (InvalidRequest, "invalid_request", 400),
            (InvalidClient, "invalid_client", 401),
            (InvalidGrant, "invalid_grant", 400),
            (UnauthorizedClient, "unauthorized_client", 400),
            (UnsupportedGrantType, "unsupported_grant_type", 400),
            (InvalidScope, "invalid_scope", 400),
            (SlowDown, "slow_down", 429),
            (ServerError, "server_error", 500),
        ];
        for (code, text, status) in table {
            assert_eq!((code.as_str(), code.status().as_u16()), (text, status));
            let answer = OAuthError::new(code, "x").into_response();
            assert_eq!(answer.status().as_u16(), status, "{text}");
            assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-store");
        }
    }

    /// RFC 6750 §3.1: 400, 401 and 403 by code, each naming itself in the challenge; no token
    /// at all gets a bare challenge.
    #[test]
    fn bearer_errors_have_their_status_and_challenge() {
        use BearerErrorCode::*;
        for (code, status) in [
            (InvalidRequest, 400),
            (InvalidToken, 401),
            (InsufficientScope, 403),
        ] {
            let answer = bearer_error(code, "why");
            assert_eq!(answer.status().as_u16(), status);
            let challenge = answer.headers()[header::WWW_AUTHENTICATE].to_str().unwrap();
            assert!(
                challenge.contains(&format!("error=\"{}\"", code.as_str())),
                "{challenge}"
            );
        }
        let bare = bearer_challenge();
        assert_eq!(bare.status().as_u16(), 401);
        assert!(
            !bare.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("error")
        );
    }

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
