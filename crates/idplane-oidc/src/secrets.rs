//! Random tokens handed out (codes, refresh tokens, session cookies) and the hashes they are
//! stored under: 256 random bits, so a plain SHA-256 is a sufficient lookup hash.

use sha2::{Digest, Sha256};

use crate::jose::b64;

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    b64(&bytes)
}

pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// PKCE S256 (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use subtle::ConstantTimeEq;
    let computed = b64(&Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// A PKCE verifier or challenge: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn pkce_well_formed(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches("x", challenge));
        assert!(pkce_well_formed(verifier));
        assert!(!pkce_well_formed("short"));
    }

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_eq!(hash(&a).len(), 64);
    }
}
