//! Volcengine V4 (`HMAC-SHA256`), exactly as `volcenginesdkcore.signv4` computes it: a canonical
//! request over the request's own signed headers, a credential scope
//! `{date}/{region}/{service}/request`, and a key chain starting from the raw secret.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::error::SignError;
use crate::header::{self, malformed};
use crate::hmac_util::{hmac_sha256, same, sha256_hex};

pub const ALGORITHM: &str = "HMAC-SHA256";

/// Characters left bare in the canonical query: `A-Z a-z 0-9 - _ . ~`.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of an `Authorization: HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/request", self.date, self.region, self.service)
    }
}

/// A request as received: header names in any case, values verbatim.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The query string as on the wire (form style: `+` may stand for a space).
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

/// Reads an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization, SignError> {
    let parts = header::split(value, ALGORITHM)?;
    let scope: Vec<&str> = parts.credential.split('/').collect();
    let shape = "Credential must be AccessKeyId/YYYYMMDD/region/service/request";
    let [ak, date, region, service, terminator] = scope.as_slice() else {
        return Err(malformed(shape));
    };
    if *terminator != "request"
        || ak.is_empty()
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || region.is_empty()
        || service.is_empty()
    {
        return Err(malformed(shape));
    }
    Ok(Authorization {
        access_key_id: (*ak).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers: parts.signed_headers,
        signature: parts.signature,
    })
}

/// Reads an `X-Date` of the form `YYYYMMDD'T'HHMMSS'Z'`.
pub fn parse_x_date(value: &str) -> Result<time::OffsetDateTime, SignError> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(value, &format)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| SignError::MalformedDate(value.to_owned()))
}

/// The canonical query: pairs decoded (form style), re-encoded with only `A-Za-z0-9-_.~` bare,
/// sorted by key then value, joined with `&`.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .map(|(k, v)| {
            (
                utf8_percent_encode(&k, QUERY_ENCODE).to_string(),
                utf8_percent_encode(&v, QUERY_ENCODE).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request over `signed_headers` (lower-case names, in the order given).
pub fn canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &[String],
    body_hash_hex: &str,
) -> Result<String, SignError> {
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = parts
            .header(name)
            .ok_or_else(|| SignError::MissingSignedHeader(name.clone()))?;
        // The SDK signs a Host of port 80 or 443 without the port.
        let value = if name == "host" {
            value
                .strip_suffix(":80")
                .or_else(|| value.strip_suffix(":443"))
                .unwrap_or(value)
        } else {
            value
        };
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
    }
    let path = if parts.path.is_empty() {
        "/"
    } else {
        parts.path
    };
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        parts.method,
        path,
        canonical_query(parts.raw_query),
        canonical_headers,
        signed_headers.join(";"),
        body_hash_hex
    ))
}

/// The signing key: HMAC-SHA256 chained over date, region, service and `request`.
pub fn signing_key(secret: &[u8], date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(secret, date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"request")
}

pub fn string_to_sign(x_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{x_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The hex signature of a request under `auth`'s scope and signed headers.
pub fn sign(
    parts: &RequestParts<'_>,
    auth: &Authorization,
    x_date: &str,
    secret: &[u8],
) -> Result<String, SignError> {
    let body_hash = parts
        .header("x-content-sha256")
        .map_or_else(|| sha256_hex(parts.body), str::to_owned);
    let canonical = canonical_request(parts, &auth.signed_headers, &body_hash)?;
    let to_sign = string_to_sign(x_date, &auth.scope(), &canonical);
    let key = signing_key(secret, &auth.date, &auth.region, &auth.service);
    Ok(hex::encode(hmac_sha256(&key, to_sign.as_bytes())))
}

/// The `Authorization` header a client sends for `parts`, signing every header it carries
/// (names lower-cased and sorted), under the credential `access_key_id` of `region` and
/// `service` at `x_date` (`YYYYMMDDTHHMMSSZ`).
pub fn client_authorization(
    parts: &RequestParts<'_>,
    access_key_id: &str,
    secret: &[u8],
    x_date: &str,
    region: &str,
    service: &str,
) -> Result<String, SignError> {
    let mut signed_headers: Vec<String> = parts
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    signed_headers.sort();
    let mut auth = Authorization {
        access_key_id: access_key_id.to_owned(),
        date: x_date.get(..8).unwrap_or_default().to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature: String::new(),
    };
    auth.signature = sign(parts, &auth, x_date, secret)?;
    Ok(format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
        auth.access_key_id,
        auth.scope(),
        auth.signed_headers.join(";"),
        auth.signature
    ))
}

/// Checks a request's signature: the body against `X-Content-Sha256`, the credential date
/// against `X-Date`, and the signature in constant time. Clock skew is the caller's check.
pub fn verify(
    parts: &RequestParts<'_>,
    auth: &Authorization,
    x_date: &str,
    secret: &[u8],
) -> Result<(), SignError> {
    if let Some(claimed) = parts.header("x-content-sha256")
        && !same(&claimed.to_ascii_lowercase(), &sha256_hex(parts.body))
    {
        return Err(SignError::BodyHashMismatch);
    }
    if x_date.get(..8) != Some(auth.date.as_str()) {
        return Err(SignError::CredentialDateMismatch);
    }
    let expected = sign(parts, auth, x_date, secret)?;
    if same(&expected, &auth.signature) {
        Ok(())
    } else {
        Err(SignError::SignatureMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_signature_verifies() {
        let headers: Vec<(String, String)> = [
            ("Content-Type", "application/json"),
            ("Host", "127.0.0.1:8080"),
            ("X-Date", "20251101T000000Z"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
        let parts = RequestParts {
            method: "POST",
            path: "/",
            raw_query: "Action=ListUsers&Version=2025-10-30",
            headers: &headers,
            body: b"{}",
        };
        let value = client_authorization(
            &parts,
            "AK1",
            b"secret",
            "20251101T000000Z",
            "cn-beijing",
            "id",
        )
        .unwrap();
        let auth = parse_authorization(&value).unwrap();
        assert_eq!(auth.signed_headers, ["content-type", "host", "x-date"]);
        assert!(verify(&parts, &auth, "20251101T000000Z", b"secret").is_ok());
        let tampered = RequestParts {
            body: b"{\"x\":1}",
            ..parts
        };
        assert!(verify(&tampered, &auth, "20251101T000000Z", b"secret").is_err());
    }

    const AUTH: &str = "HMAC-SHA256 Credential=AKLTEXAMPLEACCESSKEY/20251101/cn-beijing/id/request, SignedHeaders=content-type;host;x-content-sha256;x-date;x-sdk-invocation-id;x-sdk-request, Signature=24da2f5b2a3dd1156170a945762f16a48e573ff4a2e837cadc9deba7738bd270";

    fn headers() -> Vec<(String, String)> {
        [
            ("Content-Type", "application/json"),
            ("Host", "127.0.0.1:18080"),
            (
                "X-Sdk-Invocation-Id",
                "00000000-0000-4000-8000-000000000001",
            ),
            ("X-Sdk-Request", "attempt=1; max=4"),
            ("X-Date", "20251101T080000Z"),
            (
                "X-Content-Sha256",
                "52840f20b2fdef4be6eff354c264cbafdf0fef656613d1201ad38373a1c6619d",
            ),
            ("Authorization", AUTH),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
    }

    const BODY: &[u8] = br#"{"UserPoolUid": "up-123"}"#;

    fn parts(headers: &[(String, String)]) -> RequestParts<'_> {
        RequestParts {
            method: "POST",
            path: "/",
            raw_query: "Action=GetUserPool&Version=2025-10-30",
            headers,
            body: BODY,
        }
    }

    #[test]
    fn readme_worked_example() {
        let h = headers();
        let auth = parse_authorization(AUTH).unwrap();
        let canonical = canonical_request(
            &parts(&h),
            &auth.signed_headers,
            "52840f20b2fdef4be6eff354c264cbafdf0fef656613d1201ad38373a1c6619d",
        )
        .unwrap();
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7932f22d09b93489b7aaf6f2cd759fd97391c6c71b701149c6bbb49c318c2fd0"
        );
        let key = signing_key(b"EXAMPLESECRETKEY", "20251101", "cn-beijing", "id");
        assert_eq!(
            hex::encode(key),
            "dc9c4eb1b8017b0afa13c9013b252d8e0b6d281aa96f477ca335ee087c51f009"
        );
        verify(&parts(&h), &auth, "20251101T080000Z", b"EXAMPLESECRETKEY").unwrap();
    }

    #[test]
    fn refuses_tampering() {
        let h = headers();
        let auth = parse_authorization(AUTH).unwrap();
        assert_eq!(
            verify(&parts(&h), &auth, "20251101T080000Z", b"WRONG"),
            Err(SignError::SignatureMismatch)
        );
        let mut p = parts(&h);
        p.body = br#"{"UserPoolUid": "up-124"}"#;
        assert_eq!(
            verify(&p, &auth, "20251101T080000Z", b"EXAMPLESECRETKEY"),
            Err(SignError::BodyHashMismatch)
        );
        let mut p = parts(&h);
        p.raw_query = "Action=DeleteUserPool&Version=2025-10-30";
        assert_eq!(
            verify(&p, &auth, "20251101T080000Z", b"EXAMPLESECRETKEY"),
            Err(SignError::SignatureMismatch)
        );
        assert_eq!(
            verify(&parts(&h), &auth, "20251102T080000Z", b"EXAMPLESECRETKEY"),
            Err(SignError::CredentialDateMismatch)
        );
    }

    #[test]
    fn canonical_query_reencodes() {
        assert_eq!(
            canonical_query(
                "DocumentId=doc+1%2F%C3%A9&Action=GetDocumentStatus&Version=2025-10-30"
            ),
            "Action=GetDocumentStatus&DocumentId=doc%201%2F%C3%A9&Version=2025-10-30"
        );
    }

    #[test]
    fn parses_x_date() {
        assert!(parse_x_date("20251101T080000Z").is_ok());
        assert!(parse_x_date("2025-11-01T08:00:00Z").is_err());
    }

    #[test]
    fn rejects_malformed_authorization() {
        for bad in [
            "",
            "HMAC-SHA1 Credential=a/20251101/r/id/request, SignedHeaders=host, Signature=00",
            "HMAC-SHA256 Credential=a/2025/r/id/request, SignedHeaders=host, Signature=00",
            "HMAC-SHA256 SignedHeaders=host",
        ] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
    }
}
