//! What a client's settings must satisfy: name and description lengths, redirect and logout
//! URLs (absolute, no fragment, https unless local or in development), web origins, and token
//! lifetimes within bounds.

use crate::fields::Field;
use url::{Host, Url};

use crate::error::{DomainError, DomainResult};
use crate::model::client::{ClientSettings, ClientType};
use crate::service::validate;

pub const MAX_NAME: usize = 128;
/// Longest URL accepted in any client setting.
pub const MAX_URL: usize = 2048;
/// Most URLs or origins in one list.
pub const MAX_URLS: usize = 100;
/// ID and access token lifetime: 5 minutes to 1 day.
pub const ID_TOKEN_LIFETIME: (i64, i64) = (300, 86_400);
/// Refresh token lifetimes (idle and combined): 5 minutes to 10 years.
pub const REFRESH_LIFETIME: (i64, i64) = (300, 10 * 365 * 86_400);

/// Schemes no redirect may use, whatever the client type.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "blob", "about"];

/// Checks everything a client stores. Field names are the Volcengine wire names.
pub fn check(
    name: &str,
    description: &str,
    client_type: ClientType,
    s: &ClientSettings,
) -> DomainResult<()> {
    validate::length(Field::ClientName, name, 1, MAX_NAME)?;
    validate::length(
        Field::ClientDescription,
        description,
        0,
        validate::MAX_DESCRIPTION,
    )?;
    if !s.logo_uri.is_empty() {
        web_url(Field::LogoUri, &s.logo_uri, true)?;
    }
    for (field, urls) in [
        (Field::CallbackUrls, &s.allowed_callback_urls),
        (Field::LogoutUrls, &s.allowed_logout_urls),
    ] {
        count(field, urls.len())?;
        for u in urls {
            redirect_url(field, u, client_type, s.development_mode_enabled)?;
        }
    }
    for (field, origins) in [
        (Field::WebOrigins, &s.allowed_web_origins),
        (Field::CorsOrigins, &s.allowed_cors),
    ] {
        count(field, origins.len())?;
        for o in origins {
            origin(field, o, s.development_mode_enabled)?;
        }
    }
    lifetimes(s)
}

fn count(field: Field, n: usize) -> DomainResult<()> {
    if n > MAX_URLS {
        return Err(DomainError::invalid(
            field,
            format!("at most {MAX_URLS} entries are allowed, got {n}"),
        ));
    }
    Ok(())
}

fn in_range(field: Field, value: i64, (low, high): (i64, i64)) -> DomainResult<()> {
    if !(low..=high).contains(&value) {
        return Err(DomainError::invalid(
            field,
            format!("must be between {low} and {high} seconds, got {value}"),
        ));
    }
    Ok(())
}

fn lifetimes(s: &ClientSettings) -> DomainResult<()> {
    in_range(
        Field::IdTokenLifetime,
        s.id_token_lifetime_seconds,
        ID_TOKEN_LIFETIME,
    )?;
    let r = &s.refresh_token;
    if r.has_idle_lifetime {
        in_range(
            Field::RefreshIdleLifetime,
            r.idle_lifetime_seconds,
            REFRESH_LIFETIME,
        )?;
    }
    if r.has_combined_lifetime {
        in_range(
            Field::RefreshCombinedLifetime,
            r.combined_lifetime_seconds,
            REFRESH_LIFETIME,
        )?;
    }
    if r.has_idle_lifetime
        && r.has_combined_lifetime
        && r.combined_lifetime_seconds < r.idle_lifetime_seconds
    {
        return Err(DomainError::invalid(
            Field::RefreshCombinedLifetime,
            "must not be shorter than IdleLifetimeSeconds",
        ));
    }
    Ok(())
}

/// Text that may be parsed as a URL at all: bounded, no spaces or control characters.
fn plain_text(field: Field, value: &str) -> DomainResult<()> {
    if value.is_empty() || value.len() > MAX_URL {
        return Err(DomainError::invalid(
            field,
            format!("a URL must be 1 to {MAX_URL} characters long"),
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must not contain spaces or control characters"),
        ));
    }
    Ok(())
}

fn parse(field: Field, value: &str) -> DomainResult<Url> {
    plain_text(field, value)?;
    Url::parse(value)
        .map_err(|_| DomainError::invalid(field, format!("{value:?} is not an absolute URL")))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// An `http(s)://host…` URL; plain http only for localhost, 127.0.0.1 and [::1], or in
/// development mode.
fn web_url(field: Field, value: &str, allow_http: bool) -> DomainResult<Url> {
    let url = parse(field, value)?;
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must be an http(s):// URL"),
        ));
    }
    web_host(field, value, &url, allow_http)?;
    Ok(url)
}

fn web_host(field: Field, value: &str, url: &Url, allow_http: bool) -> DomainResult<()> {
    if url.host_str().is_none_or(str::is_empty) || url.host_str().is_some_and(|h| h.contains('*')) {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must name a host (wildcards are not allowed)"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must not carry credentials"),
        ));
    }
    if url.scheme() == "http" && !allow_http && !is_loopback(url) {
        return Err(DomainError::invalid(
            field,
            format!(
                "{value:?} must use https (http is allowed only for localhost and 127.0.0.1, \
                 or with DevelopmentModeEnabled)"
            ),
        ));
    }
    Ok(())
}

/// A redirect or logout URL: absolute, no fragment, matched exactly later (RFC 6749 §3.1.2).
/// Custom schemes (`com.example.app:/cb`) only for MOBILE_APPLICATION clients.
fn redirect_url(
    field: Field,
    value: &str,
    client_type: ClientType,
    development: bool,
) -> DomainResult<()> {
    let url = parse(field, value)?;
    if value.contains('#') {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must not contain a fragment (#…)"),
        ));
    }
    let scheme = url.scheme();
    if scheme == "https" || scheme == "http" {
        let lower = value.to_ascii_lowercase();
        if !lower.starts_with(&format!("{scheme}://")) {
            return Err(DomainError::invalid(
                field,
                format!("{value:?} is not an absolute {scheme}:// URL"),
            ));
        }
        return web_host(field, value, &url, development);
    }
    if FORBIDDEN_SCHEMES.contains(&scheme) {
        return Err(DomainError::invalid(
            field,
            format!("the {scheme}: scheme is not allowed"),
        ));
    }
    if client_type != ClientType::MobileApplication {
        return Err(DomainError::invalid(
            field,
            format!(
                "{value:?} must be an http(s) URL (custom schemes are allowed only for \
                 MOBILE_APPLICATION clients)"
            ),
        ));
    }
    Ok(())
}

/// A web origin: `http(s)://host[:port]`, with no path, query or fragment.
fn origin(field: Field, value: &str, development: bool) -> DomainResult<()> {
    let url = web_url(field, value, development)?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !bare || value.trim_end_matches('/').matches('/').count() != 2 {
        return Err(DomainError::invalid(
            field,
            format!("{value:?} must be an origin: scheme://host[:port] with no path"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(callbacks: &[&str]) -> ClientSettings {
        ClientSettings {
            allowed_callback_urls: callbacks.iter().map(|s| (*s).to_owned()).collect(),
            ..ClientSettings::default()
        }
    }

    fn field_of(r: DomainResult<()>) -> Option<Field> {
        match r {
            Err(DomainError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn callback_urls() {
        let web = ClientType::WebApplication;
        let mobile = ClientType::MobileApplication;
        for ok in [
            "https://app.example.com/cb",
            "https://app.example.com:8443/cb?x=1",
            "http://localhost:3000/cb",
            "http://127.0.0.1/cb",
            "http://[::1]:8080/cb",
        ] {
            assert!(check("a", "", web, &settings(&[ok])).is_ok(), "{ok}");
        }
        for bad in [
            "app.example.com/cb",
            "/cb",
            "https://app.example.com/cb#frag",
            "http://app.example.com/cb",
            "https:app.example.com",
            "https://user:pw@app.example.com/cb",
            "https://*.example.com/cb",
            "myapp://cb",
            "javascript:alert(1)",
            "https://app.example.com/ cb",
            "",
        ] {
            assert_eq!(
                field_of(check("a", "", web, &settings(&[bad]))),
                Some(Field::CallbackUrls),
                "{bad}"
            );
        }
        assert!(check("a", "", mobile, &settings(&["com.example.app:/cb"])).is_ok());
        assert!(check("a", "", mobile, &settings(&["myapp://callback"])).is_ok());
        assert!(check("a", "", mobile, &settings(&["data:text/html,x"])).is_err());
        let mut dev = settings(&["http://dev.example.com/cb"]);
        assert!(check("a", "", web, &dev).is_err());
        dev.development_mode_enabled = true;
        assert!(check("a", "", web, &dev).is_ok());
    }

    #[test]
    fn names_origins_and_lifetimes() {
        let t = ClientType::SinglePageApplication;
        let s = ClientSettings::default();
        assert_eq!(field_of(check("", "", t, &s)), Some(Field::ClientName));
        assert_eq!(
            field_of(check(&"x".repeat(129), "", t, &s)),
            Some(Field::ClientName)
        );
        assert!(check(&"x".repeat(128), "", t, &s).is_ok());

        let mut o = ClientSettings {
            allowed_web_origins: vec!["https://app.example.com".to_owned()],
            allowed_cors: vec!["http://localhost:5173/".to_owned()],
            ..ClientSettings::default()
        };
        assert!(check("a", "", t, &o).is_ok());
        o.allowed_cors = vec!["https://app.example.com/path".to_owned()];
        assert_eq!(field_of(check("a", "", t, &o)), Some(Field::CorsOrigins));

        let l = ClientSettings {
            id_token_lifetime_seconds: 10,
            ..ClientSettings::default()
        };
        assert_eq!(
            field_of(check("a", "", t, &l)),
            Some(Field::IdTokenLifetime)
        );
        let mut r = ClientSettings::default();
        r.refresh_token.combined_lifetime_seconds = 600;
        assert_eq!(
            field_of(check("a", "", t, &r)),
            Some(Field::RefreshCombinedLifetime)
        );
        r.refresh_token.has_idle_lifetime = false;
        assert!(check("a", "", t, &r).is_ok());
    }
}
