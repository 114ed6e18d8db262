//! Feeds arbitrary text to the signature code of both dialects: the `Authorization` parsers,
//! `X-Date`, canonical requests, signing and verifying over arbitrary methods, paths, queries,
//! headers and bodies with fixed secrets. Nothing may panic; a signature computed over any
//! request must verify, and must not verify under another secret or once changed.
//!
//! The input is read as lines: method, path, query, then `Name: value` headers up to an empty
//! line, then the body.

#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use idplane_sign::{SignError, tc3, volc};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

const SECRET: &[u8] = b"fuzz-secret-0123456789";
const OTHER: &[u8] = b"fuzz-secret-0123456780";
const X_DATE: &str = "20251101T080000Z";
const TIMESTAMP: i64 = 1_761_984_000;

struct Request<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

fn split(text: &str) -> Request<'_> {
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default();
    let path = lines.next().unwrap_or_default();
    let query = lines.next().unwrap_or_default();
    let mut headers = Vec::new();
    let mut consumed = method.len() + path.len() + query.len() + 3;
    for line in lines.by_ref() {
        consumed += line.len() + 1;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        headers.push((name.to_owned(), value.trim_start().to_owned()));
    }
    let body = text.as_bytes().get(consumed..).unwrap_or_default();
    Request { method, path, query, headers, body }
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn names(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Flips one hex digit of a signature.
fn flipped(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    if let Some(c) = chars.first_mut() {
        *c = if *c == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

fn volc_round_trip(r: &Request<'_>) {
    let mut headers = without(&r.headers, "x-content-sha256");
    headers.push((
        "X-Content-Sha256".to_owned(),
        hex::encode(Sha256::digest(r.body)),
    ));
    let parts = volc::RequestParts {
        method: r.method,
        path: r.path,
        raw_query: r.query,
        headers: &headers,
        body: r.body,
    };
    let _ = volc::canonical_query(r.query);
    let mut auth = volc::Authorization {
        access_key_id: "AKLTFUZZ".to_owned(),
        date: X_DATE[..8].to_owned(),
        region: "cn-beijing".to_owned(),
        service: "id".to_owned(),
        signed_headers: names(&headers),
        signature: String::new(),
    };
    let signature = match volc::sign(&parts, &auth, X_DATE, SECRET) {
        Ok(s) => s,
        Err(e) => panic!("signing over the request's own headers failed: {e}"),
    };
    auth.signature = signature.clone();
    assert_eq!(volc::verify(&parts, &auth, X_DATE, SECRET), Ok(()));
    assert_eq!(
        volc::verify(&parts, &auth, X_DATE, OTHER),
        Err(SignError::SignatureMismatch)
    );
    auth.signature = flipped(&signature);
    assert!(volc::verify(&parts, &auth, X_DATE, SECRET).is_err());
}

fn volc_as_given(r: &Request<'_>, text: &str) {
    let parts = volc::RequestParts {
        method: r.method,
        path: r.path,
        raw_query: r.query,
        headers: &r.headers,
        body: r.body,
    };
    let given = r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map_or(text, |(_, v)| v.as_str());
    if let Ok(auth) = volc::parse_authorization(given) {
        assert_eq!(auth.signature.len(), 64);
        let _ = volc::canonical_request(&parts, &auth.signed_headers, "");
        let x_date = r
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-date"))
            .map_or(X_DATE, |(_, v)| v.as_str());
        assert!(volc::verify(&parts, &auth, x_date, SECRET).is_err());
    }
}

fn tc3_round_trip(r: &Request<'_>) {
    let parts = tc3::RequestParts {
        method: r.method,
        path: r.path,
        raw_query: r.query,
        headers: &r.headers,
        body: r.body,
    };
    let mut auth = tc3::Authorization {
        secret_id: "AKIDFUZZ".to_owned(),
        date: tc3::date_of(TIMESTAMP).unwrap_or_default(),
        service: "eiam".to_owned(),
        signed_headers: names(&r.headers),
        signature: String::new(),
    };
    let signature = match tc3::sign(&parts, &auth, TIMESTAMP, SECRET) {
        Ok(s) => s,
        Err(e) => panic!("signing over the request's own headers failed: {e}"),
    };
    auth.signature = signature.clone();
    assert_eq!(tc3::verify(&parts, &auth, TIMESTAMP, SECRET), Ok(()));
    assert!(tc3::verify(&parts, &auth, TIMESTAMP, OTHER).is_err());
    assert!(tc3::verify(&parts, &auth, TIMESTAMP + 86_400, SECRET).is_err());
    auth.signature = flipped(&signature);
    assert!(tc3::verify(&parts, &auth, TIMESTAMP, SECRET).is_err());
}

fn tc3_as_given(r: &Request<'_>, text: &str, timestamp: i64) {
    let _ = tc3::date_of(timestamp);
    let parts = tc3::RequestParts {
        method: r.method,
        path: r.path,
        raw_query: r.query,
        headers: &r.headers,
        body: r.body,
    };
    if let Ok(auth) = tc3::parse_authorization(text) {
        assert_eq!(auth.date.len(), 10);
        let _ = tc3::canonical_request(&parts, &auth.signed_headers);
        assert!(tc3::verify(&parts, &auth, timestamp, SECRET).is_err());
    }
}

fn legacy_round_trip(r: &Request<'_>) {
    let given: Vec<(String, String)> = form_urlencoded::parse(r.body).into_owned().collect();
    let host = r.path;
    let _ = tc3::verify_legacy(r.method, host, "/", &given, SECRET);
    let mut params: Vec<(String, String)> = given
        .into_iter()
        .filter(|(k, _)| k != "Signature" && k != "SignatureMethod")
        .collect();
    params.push(("SignatureMethod".to_owned(), "HmacSHA256".to_owned()));
    let to_sign = tc3::legacy_string_to_sign(r.method, host, "/", &params);
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(SECRET) else {
        return;
    };
    mac.update(to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    params.push(("Signature".to_owned(), signature));
    assert_eq!(
        tc3::verify_legacy(r.method, host, "/", &params, SECRET),
        Ok(())
    );
    assert!(tc3::verify_legacy(r.method, host, "/", &params, OTHER).is_err());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = volc::parse_x_date(&text);
    let timestamp = data
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map_or(TIMESTAMP, i64::from_le_bytes);
    let request = split(&text);
    volc_as_given(&request, &text);
    tc3_as_given(&request, &text, timestamp);
    volc_round_trip(&request);
    tc3_round_trip(&request);
    legacy_round_trip(&request);
});
