//! Checks the parameter bounds over arbitrary input: `bounds::check` and `bounds::check_filter`
//! over any JSON document serde_json reads, and the form pipeline (`form_urlencoded::parse`, then
//! `flatten::unflatten`, then the bounds) over any bytes. Nothing may panic, and what the
//! bounds pass must really keep them: nesting, list lengths, key and text lengths, no control
//! characters.

#![no_main]

use idplane_api::bounds::{self, MAX_DEPTH, MAX_FILTER_TEXT, MAX_KEY, MAX_LIST, MAX_TEXT};
use idplane_api::flatten::unflatten;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Whether every value in `value` keeps the bounds `bounds::check` promises.
fn keeps_bounds(value: &Value) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::String(s) if s.len() > MAX_TEXT || bounds::has_forbidden_char(s) => {
                return false;
            }
            Value::Array(items) => {
                if d >= MAX_DEPTH || items.len() > MAX_LIST {
                    return false;
                }
                stack.extend(items.iter().map(|i| (i, d + 1)));
            }
            Value::Object(map) => {
                if d >= MAX_DEPTH {
                    return false;
                }
                for (k, i) in map {
                    if k.len() > MAX_KEY || bounds::has_forbidden_char(k) {
                        return false;
                    }
                    stack.push((i, d + 1));
                }
            }
            _ => {}
        }
    }
    true
}

/// Whether every text under `Filter` is short enough.
fn filter_is_short(value: &Value) -> bool {
    let Some(filter) = value.get("Filter") else {
        return true;
    };
    let mut stack = vec![filter];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) if s.chars().count() > MAX_FILTER_TEXT => return false,
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    true
}

fn check_value(value: &Value) {
    if bounds::check(value).is_ok() {
        assert!(keeps_bounds(value), "a value over the bounds passed");
    }
    match bounds::check_filter(value) {
        Ok(()) => assert!(filter_is_short(value), "a long filter text passed"),
        Err(v) => assert!(v.path.starts_with("Filter"), "path {:?}", v.path),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        check_value(&value);
    }
    let pairs = form_urlencoded::parse(data).into_owned();
    if let Ok(value) = unflatten(pairs, &["Action", "Version"]) {
        check_value(&value);
    }
});
