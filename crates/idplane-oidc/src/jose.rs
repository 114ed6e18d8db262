//! Compact JWS with ES256 (ECDSA P-256, SHA-256): signing, verifying, and the public JWK.
//!
//! ES256 because every OIDC client library verifies it (EdDSA support is still patchy), its
//! signatures are small, and signing costs tens of microseconds where RSA costs milliseconds.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Map, Value, json};

pub const ALGORITHM: &str = "ES256";

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A key that signs: its id and the private half.
pub struct EsKey {
    pub kid: String,
    pub signing: SigningKey,
}

impl EsKey {
    /// A fresh key from 32 random bytes (retrying the rare value that is not a valid scalar).
    pub fn generate(kid: String) -> Self {
        loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(signing) = SigningKey::from_slice(&bytes) {
                return Self { kid, signing };
            }
        }
    }

    pub fn from_bytes(kid: String, bytes: &[u8]) -> Option<Self> {
        SigningKey::from_slice(bytes)
            .ok()
            .map(|signing| Self { kid, signing })
    }

    pub fn private_bytes(&self) -> Vec<u8> {
        self.signing.to_bytes().to_vec()
    }

    /// The public key as a JWK with `kid`, `use` and `alg`.
    pub fn public_jwk(&self) -> Value {
        public_jwk(&self.kid, self.signing.verifying_key())
    }

    /// `header.payload.signature` over `claims`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": ALGORITHM, "typ": "JWT", "kid": self.kid});
        let mut out = b64(header.to_string().as_bytes());
        out.push('.');
        out.push_str(&b64(claims.to_string().as_bytes()));
        // Low-S form: verifiers here refuse the high-S twin of a signature (malleability).
        let signature: Signature = self.signing.sign(out.as_bytes());
        let signature = signature.normalize_s();
        out.push('.');
        out.push_str(&b64(&signature.to_bytes()));
        out
    }
}

fn public_jwk(kid: &str, key: &VerifyingKey) -> Value {
    let point = key.to_sec1_point(false);
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(|b| b64(b)).unwrap_or_default();
    json!({
        "kty": "EC",
        "crv": "P-256",
        "x": coordinate(point.x()),
        "y": coordinate(point.y()),
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
    })
}

/// A published key read back from its JWK.
pub fn verifying_key_from_jwk(jwk: &Value) -> Option<VerifyingKey> {
    let x = unb64(jwk.get("x")?.as_str()?)?;
    let y = unb64(jwk.get("y")?.as_str()?)?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&sec1).ok()
}

/// The `kid` a token names in its header, if it is a well-formed ES256 JWS.
pub fn kid_of(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let header: Value = serde_json::from_slice(&unb64(header)?).ok()?;
    if header.get("alg")?.as_str()? != ALGORITHM {
        return None;
    }
    Some(header.get("kid")?.as_str()?.to_owned())
}

/// The claims of `token` when its signature verifies under `key`. Times are not checked here.
pub fn verify(token: &str, key: &VerifyingKey) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let signature = Signature::from_slice(&unb64(signature)?).ok()?;
    // A signature and its high-S twin (s → n − s) both verify; only the low-S one is taken, so
    // a token has exactly one valid encoding.
    if signature.normalize_s() != signature {
        return None;
    }
    let signed_len = header.len() + 1 + payload.len();
    key.verify(token.get(..signed_len)?.as_bytes(), &signature)
        .ok()?;
    match serde_json::from_slice(&unb64(payload)?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_through_the_published_jwk() {
        let key = EsKey::generate("k1".to_owned());
        let token = key.sign(&json!({"sub": "u1", "n": 1}));
        let public = verifying_key_from_jwk(&key.public_jwk()).unwrap();
        let claims = verify(&token, &public).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(kid_of(&token).as_deref(), Some("k1"));
        let restored = EsKey::from_bytes("k1".to_owned(), &key.private_bytes()).unwrap();
        assert!(verify(&restored.sign(&json!({})), &public).is_some());
    }

    #[test]
    fn rejects_tampering_and_other_keys() {
        let key = EsKey::generate("k1".to_owned());
        let other = EsKey::generate("k2".to_owned());
        let token = key.sign(&json!({"sub": "u1"}));
        let public = verifying_key_from_jwk(&key.public_jwk()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = b64(br#"{"sub":"admin"}"#);
        parts[1] = &forged;
        assert!(verify(&parts.join("."), &public).is_none());
        assert!(verify(&other.sign(&json!({"sub": "u1"})), &public).is_none());
        assert!(verify("a.b", &public).is_none());
        assert!(verify("", &public).is_none());
        assert!(verify(&format!("{token}.x"), &public).is_none());
    }

    /// The high-S twin of a valid signature verifies mathematically; it is refused.
    #[test]
    fn high_s_signatures_are_refused() {
        let key = EsKey::generate("k1".to_owned());
        let public = verifying_key_from_jwk(&key.public_jwk()).unwrap();
        for n in 0..8 {
            let token = key.sign(&json!({ "n": n }));
            let (signed, sig) = token.rsplit_once('.').unwrap();
            let sig = Signature::from_slice(&unb64(sig).unwrap()).unwrap();
            assert_eq!(sig.normalize_s(), sig, "issued signatures are low-S");
            let (r, s) = sig.split_scalars();
            let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
            assert!(public.verify(signed.as_bytes(), &high).is_ok());
            let twin = format!("{signed}.{}", b64(&high.to_bytes()));
            assert!(verify(&twin, &public).is_none());
            assert!(verify(&token, &public).is_some());
        }
    }
}
