//! PKCE (RFC 7636) checks, and the random values hosted forms carry (CSRF tokens).

use sha2::{Digest, Sha256};

pub use idplane_core::bearer::random_token;

use crate::jose::b64;

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
}
