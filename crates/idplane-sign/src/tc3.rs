//! Tencent Cloud API 3.0 signatures: `TC3-HMAC-SHA256` exactly as the Python SDK's
//! `_get_tc3_signature` computes it, and the legacy `HmacSHA1` / `HmacSHA256` form signatures.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha1_smol::Sha1;

use crate::error::SignError;
use crate::header::{self, malformed};
use crate::hmac_util::{hmac_sha256, same, sha256_hex};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parts of `Authorization: TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub secret_id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// A request as received; header names in any case.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query string exactly as sent.
    pub raw_query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_authorization(value: &str) -> Result<Authorization, SignError> {
    let parts = header::split(value, ALGORITHM)?;
    let scope: Vec<&str> = parts.credential.split('/').collect();
    let shape = "Credential must be SecretId/YYYY-MM-DD/service/tc3_request";
    let [id, date, service, terminator] = scope.as_slice() else {
        return Err(malformed(shape));
    };
    let date_ok = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if *terminator != "tc3_request" || id.is_empty() || service.is_empty() || !date_ok {
        return Err(malformed(shape));
    }
    Ok(Authorization {
        secret_id: (*id).to_owned(),
        date: (*date).to_owned(),
        service: (*service).to_owned(),
        signed_headers: parts.signed_headers,
        signature: parts.signature,
    })
}

/// The UTC date (`YYYY-MM-DD`) of a Unix timestamp.
pub fn date_of(timestamp: i64) -> Option<String> {
    let dt = time::OffsetDateTime::from_unix_timestamp(timestamp).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day()
    ))
}

/// The canonical request over the request's own signed headers (values verbatim).
pub fn canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &[String],
) -> Result<String, SignError> {
    let get = parts.method.eq_ignore_ascii_case("GET");
    let query = if get { parts.raw_query } else { "" };
    let payload_hash = if parts.header("x-tc-content-sha256") == Some(UNSIGNED_PAYLOAD) {
        sha256_hex(UNSIGNED_PAYLOAD.as_bytes())
    } else if get {
        sha256_hex(b"")
    } else {
        sha256_hex(parts.body)
    };
    let mut headers = String::new();
    for name in signed_headers {
        let value = parts
            .header(name)
            .ok_or_else(|| SignError::MissingSignedHeader(name.clone()))?;
        headers.push_str(name);
        headers.push(':');
        headers.push_str(value);
        headers.push('\n');
    }
    let path = if parts.path.is_empty() {
        "/"
    } else {
        parts.path
    };
    Ok(format!(
        "{}\n{path}\n{query}\n{headers}\n{}\n{payload_hash}",
        parts.method,
        signed_headers.join(";")
    ))
}

pub fn signing_key(secret: &[u8], date: &str, service: &str) -> [u8; 32] {
    let mut key = b"TC3".to_vec();
    key.extend_from_slice(secret);
    let k_date = hmac_sha256(&key, date.as_bytes());
    let k_service = hmac_sha256(&k_date, service.as_bytes());
    hmac_sha256(&k_service, b"tc3_request")
}

pub fn string_to_sign(timestamp: i64, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The hex signature of a request under `auth`'s scope.
pub fn sign(
    parts: &RequestParts<'_>,
    auth: &Authorization,
    timestamp: i64,
    secret: &[u8],
) -> Result<String, SignError> {
    let canonical = canonical_request(parts, &auth.signed_headers)?;
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let to_sign = string_to_sign(timestamp, &scope, &canonical);
    let key = signing_key(secret, &auth.date, &auth.service);
    Ok(hex::encode(hmac_sha256(&key, to_sign.as_bytes())))
}

/// The `Authorization` header a client sends for `parts`, signing every header it carries
/// (names lower-cased and sorted), under `secret_id` for `service` at `timestamp`.
pub fn client_authorization(
    parts: &RequestParts<'_>,
    secret_id: &str,
    secret: &[u8],
    timestamp: i64,
    service: &str,
) -> Result<String, SignError> {
    let mut signed_headers: Vec<String> = parts
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    signed_headers.sort();
    let mut auth = Authorization {
        secret_id: secret_id.to_owned(),
        date: date_of(timestamp).ok_or(SignError::CredentialDateMismatch)?,
        service: service.to_owned(),
        signed_headers,
        signature: String::new(),
    };
    auth.signature = sign(parts, &auth, timestamp, secret)?;
    Ok(format!(
        "{ALGORITHM} Credential={}/{}/{}/tc3_request, SignedHeaders={}, Signature={}",
        auth.secret_id,
        auth.date,
        auth.service,
        auth.signed_headers.join(";"),
        auth.signature
    ))
}

/// Checks a TC3 signature: the credential date must be the UTC date of `timestamp`, and the
/// signature must match in constant time. Clock skew is the caller's check.
pub fn verify(
    parts: &RequestParts<'_>,
    auth: &Authorization,
    timestamp: i64,
    secret: &[u8],
) -> Result<(), SignError> {
    if date_of(timestamp).as_deref() != Some(auth.date.as_str()) {
        return Err(SignError::CredentialDateMismatch);
    }
    let expected = sign(parts, auth, timestamp, secret)?;
    if same(&expected, &auth.signature) {
        Ok(())
    } else {
        Err(SignError::SignatureMismatch)
    }
}

/// The legacy string to sign: method, host, path, `?`, then every parameter but `Signature`
/// with `_` in keys written as `.`, sorted by key, as raw `k=v` joined by `&`.
pub fn legacy_string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> String {
    let mut pairs: Vec<(String, &str)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (k.replace('_', "."), v.as_str()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let joined = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!("{method}{host}{path}?{joined}")
}

/// Checks a legacy `HmacSHA1` / `HmacSHA256` signature over decoded form or query parameters.
pub fn verify_legacy(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
    secret: &[u8],
) -> Result<(), SignError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let given = get("Signature").ok_or_else(|| malformed("Signature is missing"))?;
    let method_name = get("SignatureMethod").unwrap_or("HmacSHA1");
    let to_sign = legacy_string_to_sign(method, host, path, params);
    let expected = match method_name {
        "HmacSHA256" => B64.encode(hmac_sha256(secret, to_sign.as_bytes())),
        "HmacSHA1" => B64.encode(hmac_sha1(secret, to_sign.as_bytes())),
        other => return Err(SignError::UnsupportedAlgorithm(other.to_owned())),
    };
    if same(&expected, given) {
        Ok(())
    } else {
        Err(SignError::SignatureMismatch)
    }
}

/// HMAC-SHA1 (RFC 2104) over SHA-1, for the legacy signature only.
fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..20].copy_from_slice(&Sha1::from(key).digest().bytes());
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha1::new();
    inner.update(&k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sha1::new();
    outer.update(&k.map(|b| b ^ 0x5c));
    outer.update(&inner.digest().bytes());
    outer.digest().bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_signature_verifies() {
        let headers = headers();
        let parts = RequestParts {
            method: "POST",
            path: "/",
            raw_query: "",
            headers: &headers,
            body: b"{}",
        };
        let value = client_authorization(&parts, "AK1", b"secret", 1_761_984_000, "eiam").unwrap();
        let auth = parse_authorization(&value).unwrap();
        assert_eq!(auth.signed_headers.len(), headers.len());
        assert!(verify(&parts, &auth, 1_761_984_000, b"secret").is_ok());
        assert!(verify(&parts, &auth, 1_761_984_000, b"other").is_err());
    }

    fn headers() -> Vec<(String, String)> {
        [
            ("Content-Type", "application/json"),
            ("Host", "127.0.0.1:18080"),
            ("X-TC-Action", "ListUsers"),
            ("X-TC-Timestamp", "1761984000"),
            ("X-TC-Version", "2021-04-20"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
    }

    const AUTH: &str = "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2025-11-01/eiam/tc3_request, SignedHeaders=content-type;host, Signature=02c65605cd5d9eeb4c46923e3b91ef84864fbc2ed9efdd46f9abd6b233daca32";

    #[test]
    fn readme_worked_example() {
        let h = headers();
        let parts = RequestParts {
            method: "POST",
            path: "/",
            raw_query: "",
            headers: &h,
            body: br#"{"Offset": 0, "Limit": 20}"#,
        };
        let auth = parse_authorization(AUTH).unwrap();
        let canonical = canonical_request(&parts, &auth.signed_headers).unwrap();
        assert_eq!(
            string_to_sign(1_761_984_000, "2025-11-01/eiam/tc3_request", &canonical),
            "TC3-HMAC-SHA256\n1761984000\n2025-11-01/eiam/tc3_request\n214b6d9507fe8bbd1b6b4b1bc7a47ab189ecfffc2428154590def6e56d911d06"
        );
        assert_eq!(
            hex::encode(signing_key(b"EXAMPLESECRETKEY", "2025-11-01", "eiam")),
            "7ee453aee5eb03baf231176492f4cb636735980f847359f8c7d02edb20d66069"
        );
        verify(&parts, &auth, 1_761_984_000, b"EXAMPLESECRETKEY").unwrap();
        assert_eq!(
            verify(&parts, &auth, 1_761_984_000, b"WRONG"),
            Err(SignError::SignatureMismatch)
        );
        assert_eq!(
            verify(&parts, &auth, 1_762_070_400, b"EXAMPLESECRETKEY"),
            Err(SignError::CredentialDateMismatch)
        );
    }

    #[test]
    fn legacy_hmac_sha256_example() {
        let body = "Offset=0&Limit=20&Action=ListUsers&RequestClient=SDK_PYTHON_3.0.1459&Nonce=123456789&Timestamp=1761984000&Version=2021-04-20&Region=ap-guangzhou&SecretId=AKIDEXAMPLE&SignatureMethod=HmacSHA256&Language=zh-CN&Signature=es9%2B0sKvqqtJC6iu7iXAcYU5ExSyMahiMLS2n7nDxS4%3D";
        let params: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        verify_legacy("POST", "127.0.0.1:18080", "/", &params, b"EXAMPLESECRETKEY").unwrap();
        assert_eq!(
            verify_legacy("POST", "127.0.0.1:18080", "/", &params, b"WRONG"),
            Err(SignError::SignatureMismatch)
        );
    }

    #[test]
    fn hmac_sha1_rfc2202() {
        assert_eq!(
            hex::encode(hmac_sha1(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
    }
}
