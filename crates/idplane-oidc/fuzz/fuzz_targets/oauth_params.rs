//! Feeds arbitrary bytes to the data plane's parameter reader `params::Params` as a query, a
//! form body, and both merged: it must never panic, must flag exactly the inputs that repeat a
//! parameter, carry too many, too long or with control characters, and must give back every
//! value of input it took.

#![no_main]

use std::collections::HashSet;

use idplane_oidc::params::{MAX_NAME, MAX_PARAMS, MAX_VALUE, Params};
use libfuzzer_sys::fuzz_target;

/// Whether `pairs`, read in order, break a rule `Params` enforces.
fn faulty(pairs: &[(String, String)]) -> bool {
    let mut seen = HashSet::new();
    pairs.len() > MAX_PARAMS
        || pairs.iter().any(|(k, v)| {
            k.len() > MAX_NAME
                || v.len() > MAX_VALUE
                || !seen.insert(k.clone())
                || k.chars().chain(v.chars()).any(char::is_control)
        })
}

fn check(params: &Params, pairs: &[(String, String)]) {
    assert_eq!(params.fault().is_some(), faulty(pairs), "{:?}", params.fault());
    if params.fault().is_none() {
        for (k, v) in pairs {
            let expected = (!v.is_empty()).then_some(v.as_str());
            assert_eq!(params.get(k), expected);
            assert_eq!(params.get_or_empty(k), v.as_str());
        }
    }
}

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

fuzz_target!(|data: &[u8]| {
    check(&Params::parse(data), &pairs(data));
    let cut = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let (query, body) = (&data[..cut], data.get(cut + 1..).unwrap_or_default());
    let query = String::from_utf8_lossy(query);
    let merged = Params::merged(Some(&query), body);
    let mut both = pairs(query.as_bytes());
    both.extend(pairs(body));
    check(&merged, &both);
    let _ = Params::merged(None, body).get("client_id");
});
