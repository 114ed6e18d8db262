//! The `Authorization` header both dialects share in shape:
//! `{ALGORITHM} Credential=…, SignedHeaders=a;b, Signature={64 hex}`.

use crate::error::SignError;

pub(crate) fn malformed(message: &str) -> SignError {
    SignError::MalformedAuthorization(message.to_owned())
}

/// The three parts of an `Authorization` header, checked for shape.
pub(crate) struct Parts<'a> {
    pub credential: &'a str,
    /// Lower-cased names, in the header's order.
    pub signed_headers: Vec<String>,
    /// Lower-case hex.
    pub signature: String,
}

/// Splits a header of `algorithm`; the credential's own format is the dialect's to check.
pub(crate) fn split<'a>(value: &'a str, algorithm: &str) -> Result<Parts<'a>, SignError> {
    let value = value.trim();
    let (given, rest) = value.split_once(' ').ok_or_else(|| {
        malformed(&format!(
            "expected `{algorithm} Credential=…, SignedHeaders=…, Signature=…`"
        ))
    })?;
    if given != algorithm {
        return Err(SignError::UnsupportedAlgorithm(given.to_owned()));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| malformed("each part must be Key=Value"))?;
        match key.trim() {
            "Credential" => credential = Some(val.trim()),
            "SignedHeaders" => signed = Some(val.trim()),
            "Signature" => signature = Some(val.trim()),
            _ => return Err(malformed("unknown part")),
        }
    }
    let credential = credential.ok_or_else(|| malformed("Credential is missing"))?;
    let signed = signed.ok_or_else(|| malformed("SignedHeaders is missing"))?;
    let signature = signature.ok_or_else(|| malformed("Signature is missing"))?;
    let signed_headers: Vec<String> = signed
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(malformed("SignedHeaders has an empty name"));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("Signature must be 64 hex digits"));
    }
    Ok(Parts {
        credential,
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}
