//! Property tests: whatever a request holds, signing then verifying succeeds, and flipping any
//! bit of the signature, the body or the query makes verification fail.

#![allow(clippy::unwrap_used)]

use idplane_sign::{tc3, volc};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn volc_request(query: &str, body: &[u8]) -> (Vec<(String, String)>, volc::Authorization) {
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), "127.0.0.1:8080".to_owned()),
        ("X-Date".to_owned(), "20251101T080000Z".to_owned()),
        (
            "X-Content-Sha256".to_owned(),
            hex::encode(Sha256::digest(body)),
        ),
    ];
    let mut auth = volc::Authorization {
        access_key_id: "AK".to_owned(),
        date: "20251101".to_owned(),
        region: "cn-beijing".to_owned(),
        service: "id".to_owned(),
        signed_headers: ["content-type", "host", "x-content-sha256", "x-date"]
            .map(str::to_owned)
            .to_vec(),
        signature: String::new(),
    };
    let parts = volc::RequestParts {
        method: "POST",
        path: "/",
        raw_query: query,
        headers: &headers,
        body,
    };
    auth.signature = volc::sign(&parts, &auth, "20251101T080000Z", b"secret").unwrap();
    (headers, auth)
}

proptest! {
    #[test]
    fn volc_round_trips(query in "[A-Za-z0-9=&+%._~-]{0,40}", body in proptest::collection::vec(any::<u8>(), 0..200), bit in 0usize..256) {
        let (headers, auth) = volc_request(&query, &body);
        let parts = volc::RequestParts { method: "POST", path: "/", raw_query: &query, headers: &headers, body: &body };
        prop_assert!(volc::verify(&parts, &auth, "20251101T080000Z", b"secret").is_ok());

        let mut sig = hex::decode(&auth.signature).unwrap();
        sig[bit / 8 % 32] ^= 1 << (bit % 8);
        let flipped = volc::Authorization { signature: hex::encode(sig), ..auth.clone() };
        prop_assert!(volc::verify(&parts, &flipped, "20251101T080000Z", b"secret").is_err());

        if !body.is_empty() {
            let mut changed = body.clone();
            changed[bit % body.len()] ^= 1 << (bit % 8);
            let parts = volc::RequestParts { body: &changed, ..parts };
            prop_assert!(volc::verify(&parts, &auth, "20251101T080000Z", b"secret").is_err());
        }
    }

    #[test]
    fn tc3_round_trips(body in proptest::collection::vec(any::<u8>(), 0..200), bit in 0usize..256) {
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Host".to_owned(), "127.0.0.1:8080".to_owned()),
        ];
        let mut auth = tc3::Authorization {
            secret_id: "AKID".to_owned(),
            date: "2025-11-01".to_owned(),
            service: "eiam".to_owned(),
            signed_headers: vec!["content-type".to_owned(), "host".to_owned()],
            signature: String::new(),
        };
        let parts = tc3::RequestParts { method: "POST", path: "/", raw_query: "", headers: &headers, body: &body };
        auth.signature = tc3::sign(&parts, &auth, 1_761_984_000, b"secret").unwrap();
        prop_assert!(tc3::verify(&parts, &auth, 1_761_984_000, b"secret").is_ok());
        let mut sig = hex::decode(&auth.signature).unwrap();
        sig[bit / 8 % 32] ^= 1 << (bit % 8);
        let flipped = tc3::Authorization { signature: hex::encode(sig), ..auth.clone() };
        prop_assert!(tc3::verify(&parts, &flipped, 1_761_984_000, b"secret").is_err());
    }
}
