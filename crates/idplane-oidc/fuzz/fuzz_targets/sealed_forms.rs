//! Feeds arbitrary text to `pending::open_form` and `Pending::open` with a fixed master key:
//! neither may panic nor open anything it did not seal. A request sealed from the input opens
//! back to itself, only as its own kind, pool and key, and no longer once any byte of it
//! changes.

#![no_main]

use idplane_core::clock::Timestamp;
use idplane_core::crypto::MasterKey;
use idplane_oidc::pending::{self, Pending};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const NOW: i64 = 1_761_984_000_000;

fn pending(text: &str) -> Pending {
    Pending {
        pool: "p1".to_owned(),
        client_id: text.to_owned(),
        redirect_uri: format!("https://app.example/cb?{text}"),
        scope: "openid".to_owned(),
        state: Some(text.to_owned()),
        nonce: None,
        code_challenge: Some(text.to_owned()),
        csrf: text.to_owned(),
        issued_at: NOW - 1_000,
        user: None,
        generation: Some(7),
    }
}

fn round_trip(key: &MasterKey, text: &str) {
    let now = Timestamp::from_millis(NOW);
    let original = pending(text);
    let Some(sealed) = original.seal(key) else {
        panic!("sealing failed");
    };
    let Some(opened) = Pending::open(key, &sealed, "p1", now) else {
        panic!("a sealed request did not open");
    };
    assert_eq!(opened.client_id, original.client_id);
    assert_eq!(opened.state, original.state);
    assert_eq!(opened.csrf, original.csrf);
    assert_eq!(opened.generation, original.generation);
    assert!(Pending::open(key, &sealed, "p2", now).is_none());
    assert!(pending::open_form::<Value>(key, "other", &sealed).is_none());
    let other = MasterKey::from_bytes([8; 32]);
    assert!(Pending::open(&other, &sealed, "p1", now).is_none());
    for at in 0..sealed.len() {
        let mut bytes = sealed.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8_lossy(&bytes);
        assert!(
            Pending::open(key, &changed, "p1", now).is_none(),
            "a request changed at byte {at} opened"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let key = MasterKey::from_bytes([7; 32]);
    let text = String::from_utf8_lossy(data);
    let now = Timestamp::from_millis(NOW);
    assert!(pending::open_form::<Value>(&key, "authorization", &text).is_none());
    assert!(Pending::open(&key, &text, "p1", now).is_none());
    let short: String = text.chars().take(64).collect();
    round_trip(&key, &short);
});
