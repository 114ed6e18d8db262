//! Feeds arbitrary `Cookie` header values (one per input line) to `pages::read_cookie`: it must
//! never panic, and the value it finds must be the value of a `name=value` pair the headers
//! really carry, and it must find one whenever they do.

#![no_main]

use axum::http::{HeaderMap, HeaderValue, header};
use idplane_oidc::pages::{CSRF_COOKIE, SESSION_COOKIE, read_cookie};
use libfuzzer_sys::fuzz_target;

/// Whether a `Cookie` header among `headers` carries the pair `name=value`.
fn carries(headers: &HeaderMap, name: &str, value: Option<&str>) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(k, v)| k == name && value.is_none_or(|value| v == value))
}

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|b| *b == b'\n');
    let own = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(header::COOKIE, value);
        }
    }
    for name in [CSRF_COOKIE, SESSION_COOKIE, own.as_str()] {
        match read_cookie(&headers, name) {
            Some(value) => {
                assert!(!value.contains(';'));
                assert!(carries(&headers, name, Some(value)));
            }
            None => assert!(!carries(&headers, name, None)),
        }
    }
});
