//! Feeds arbitrary token text to `jose::kid_of` and `jose::verify` with a fixed verifying key:
//! neither may panic and no such text verifies. A token signed over claims made from the input
//! verifies with those claims and its `kid`, and stops verifying once any byte of it changes.

#![no_main]

use idplane_oidc::jose::{self, EsKey};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const KID: &str = "fuzz-key";

fn key() -> Option<EsKey> {
    EsKey::from_bytes(KID.to_owned(), &[0x11; 32])
}

/// `token` with byte `at` replaced by another printable character.
fn tampered(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = at % bytes.len();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8_lossy(&bytes).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let Some(key) = key() else {
        return;
    };
    let public = key.signing.verifying_key();
    let text = String::from_utf8_lossy(data);
    let _ = jose::kid_of(&text);
    assert!(jose::verify(&text, public).is_none(), "unsigned text verified");

    let token = key.sign(&json!({ "sub": text, "n": data.len() }));
    assert_eq!(jose::kid_of(&token).as_deref(), Some(KID));
    let claims = jose::verify(&token, public);
    assert_eq!(
        claims.as_ref().and_then(|c| c.get("sub")).and_then(|s| s.as_str()),
        Some(text.as_ref())
    );
    let at = data.iter().map(|b| usize::from(*b)).sum::<usize>();
    assert!(jose::verify(&tampered(&token, at), public).is_none(), "a changed token verified");
});
