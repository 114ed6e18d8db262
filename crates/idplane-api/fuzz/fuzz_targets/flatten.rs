//! Feeds arbitrary name/value pairs to `flatten::unflatten`: it must never panic, it must
//! refuse exactly the sets that break a bound (too many parameters, a name too long, with too
//! many parts or an empty part), and a name made over the bounds from any input is refused.
//! What it takes comes back as an object (a list when every name starts with a number), no
//! deeper than a name has parts.

#![no_main]

use idplane_api::flatten::{MAX_DEPTH, MAX_NAME_LEN, MAX_PARAMS, unflatten};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SKIP: &[&str] = &["Action", "Version"];

/// Whether `name` breaks a bound on its own.
fn bad_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    name.len() > MAX_NAME_LEN || parts.len() > MAX_DEPTH || parts.iter().any(|p| p.is_empty())
}

/// The deepest nesting of objects and lists in `value`, walked with a stack of its own.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

fn check(pairs: Vec<(String, String)>) {
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !SKIP.contains(&k.as_str()))
        .collect();
    let refused = kept.len() > MAX_PARAMS || kept.iter().any(|(k, _)| bad_name(k));
    match unflatten(pairs.clone(), SKIP) {
        Ok(value) => {
            assert!(!refused, "a set over the bounds was taken");
            let numbered = !kept.is_empty()
                && kept
                    .iter()
                    .all(|(k, _)| k.split('.').next().is_some_and(|p| p.parse::<u32>().is_ok()));
            assert_eq!(value.is_array(), numbered, "{value}");
            assert_eq!(value.is_object(), !numbered, "{value}");
            assert!(depth(&value) <= MAX_DEPTH, "deeper than the names allow");
        }
        Err(e) => {
            assert!(refused, "a set within the bounds was refused: {e}");
            assert!(e.name.chars().count() <= 64, "the name in an error is not shortened");
        }
    }
}

/// A name built from `seed` that breaks a bound: too many parts, or too long.
fn over_bounds(seed: &str) -> [String; 2] {
    let part = if seed.is_empty() || seed.contains('.') { "a" } else { seed };
    let deep = vec![part; MAX_DEPTH + 1].join(".");
    let long = part.repeat(MAX_NAME_LEN / part.len() + 1);
    [deep, long]
}

fuzz_target!(|pairs: Vec<(String, String)>| {
    check(pairs.clone());
    let seed = pairs.first().map(|(k, _)| k.clone()).unwrap_or_default();
    for name in over_bounds(&seed) {
        let mut with = pairs.clone();
        with.push((name, "x".to_owned()));
        assert!(unflatten(with, SKIP).is_err(), "a name over the bounds was taken");
    }
});
