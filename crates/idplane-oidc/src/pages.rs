//! The hosted pages, rendered on the server from templates (no scripts), and the cookies
//! they use.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const CSRF_COOKIE: &str = "idp_csrf";
pub const SESSION_COOKIE: &str = "idp_session";

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub brand: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
    pub identifier_label: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    pub sign_up_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignUpPage<'a> {
    pub brand: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub email_required: bool,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "change_password.html")]
pub struct ChangePasswordPage<'a> {
    pub brand: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
    pub challenge: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage<'a> {
    pub brand: &'a str,
    pub action: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub brand: &'a str,
    pub heading: &'a str,
    pub text: &'a str,
}

/// Security headers every hosted page carries.
fn page_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self' https: http:; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Renders a template as an HTML response with `status` and extra headers (cookies).
pub fn render(status: StatusCode, page: &impl Template, cookies: &[String]) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, html).into_response();
            page_headers(response.headers_mut());
            for c in cookies {
                if let Ok(v) = HeaderValue::from_str(c) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `page` answered 429 Too Many Requests with `Retry-After` (RFC 6585 §4), in whole seconds.
pub fn too_many(mut page: Response, wait: std::time::Duration) -> Response {
    *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

pub fn message(status: StatusCode, brand: &str, heading: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            brand,
            heading,
            text,
        },
        &[],
    )
}

/// A cookie scoped to one pool's pages.
pub fn cookie(name: &str, value: &str, pool_path: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={pool_path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The value of cookie `name` in the request.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_and_names_its_fields() {
        let page = LoginPage {
            brand: "<Acme>",
            action: "/userpool/p/login",
            csrf: "c",
            request: "r",
            identifier_label: "User name",
            username: "\"><script>",
            error: Some("Incorrect user name or password."),
            sign_up_url: None,
        };
        let html = page.render().unwrap();
        assert!(html.contains("name=\"username\""));
        assert!(html.contains("name=\"password\""));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<Acme>"));
    }

    #[test]
    fn cookies_read_back() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; idp_csrf=xyz"),
        );
        assert_eq!(read_cookie(&h, CSRF_COOKIE), Some("xyz"));
        assert_eq!(read_cookie(&h, "b"), None);
    }
}
