//! Requests signed by the official SDKs' own signers (recorded by `fixtures/gen_vectors.py`)
//! verify, and any change to them does not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idplane_sign::{SignError, tc3, volc};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    vectors: Vec<Vector>,
}

#[derive(Deserialize, Clone)]
struct Vector {
    dialect: String,
    name: String,
    secret: String,
    timestamp: Option<i64>,
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body_b64: String,
}

impl Vector {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn body(&self) -> Vec<u8> {
        B64.decode(&self.body_b64).unwrap()
    }

    /// Verifies the vector with its own signer's rules.
    fn verify(&self, secret: &[u8]) -> Result<(), SignError> {
        let body = self.body();
        match (self.dialect.as_str(), self.header("Authorization")) {
            ("volcengine", Some(header)) => {
                let auth = volc::parse_authorization(header)?;
                let parts = volc::RequestParts {
                    method: &self.method,
                    path: &self.path,
                    raw_query: &self.query,
                    headers: &self.headers,
                    body: &body,
                };
                volc::verify(&parts, &auth, self.header("X-Date").unwrap(), secret)
            }
            ("tencent", Some(header)) => {
                let auth = tc3::parse_authorization(header)?;
                let parts = tc3::RequestParts {
                    method: &self.method,
                    path: &self.path,
                    raw_query: &self.query,
                    headers: &self.headers,
                    body: &body,
                };
                tc3::verify(&parts, &auth, self.timestamp.unwrap(), secret)
            }
            ("tencent", None) => {
                let source = if self.method == "GET" {
                    self.query.as_bytes().to_vec()
                } else {
                    body
                };
                let params: Vec<(String, String)> =
                    form_urlencoded::parse(&source).into_owned().collect();
                tc3::verify_legacy(
                    &self.method,
                    self.header("Host").unwrap(),
                    &self.path,
                    &params,
                    secret,
                )
            }
            _ => panic!("unknown vector {}", self.name),
        }
    }
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("fixtures/sdk_vectors.json");
    let fixture: Fixture = serde_json::from_str(text).unwrap();
    assert!(fixture.vectors.len() >= 20);
    fixture.vectors
}

#[test]
fn every_sdk_vector_verifies() {
    for v in vectors() {
        v.verify(v.secret.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
    }
}

#[test]
fn a_wrong_secret_fails() {
    for v in vectors() {
        assert_eq!(
            v.verify(b"NOT-THE-SECRET"),
            Err(SignError::SignatureMismatch),
            "{}",
            v.name
        );
    }
}

#[test]
fn a_changed_body_fails() {
    for v in vectors() {
        let mut body = v.body();
        if body.is_empty() || v.method == "GET" {
            continue;
        }
        let last = body.len() - 1;
        body[last - 1] ^= 0x01;
        let changed = Vector {
            body_b64: B64.encode(&body),
            ..v.clone()
        };
        assert!(changed.verify(v.secret.as_bytes()).is_err(), "{}", v.name);
    }
}

#[test]
fn a_changed_signed_header_or_query_fails() {
    for v in vectors() {
        let mut changed = v.clone();
        if v.header("Authorization").is_some() {
            for (name, value) in &mut changed.headers {
                if name.eq_ignore_ascii_case("Host") {
                    value.push('9');
                }
            }
        } else if v.method == "GET" {
            changed.query = format!("{}&Extra=1", v.query);
        } else {
            continue;
        }
        assert!(changed.verify(v.secret.as_bytes()).is_err(), "{}", v.name);
        if v.method == "GET" && v.header("Authorization").is_some() {
            let mut q = v.clone();
            q.query.push_str("&Extra=1");
            assert!(q.verify(v.secret.as_bytes()).is_err(), "{}", v.name);
        }
    }
}
