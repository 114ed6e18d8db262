//! Feeds arbitrary bytes, as UTF-8, to the SearchCondition parser for every field: it must
//! never panic, every error must point inside the value and say which field it is about, and
//! the whole criteria must fail exactly when one of their fields does.

#![no_main]

use idplane_criteria::{Field, SearchCriteria, parse_criteria, parse_time, parse_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let len = text.chars().count();
    let mut any_failed = false;
    for field in Field::ALL {
        if let Err(e) = parse_value(field, &text) {
            assert!(e.offset <= len, "offset past the end: {e}");
            assert_eq!(e.field, field.name());
            assert!(!e.message.is_empty());
            any_failed |= !text.trim().is_empty();
        }
    }
    let all = SearchCriteria {
        user_name: Some(text.to_string()),
        phone: Some(text.to_string()),
        email: Some(text.to_string()),
        status: Some(text.to_string()),
        creation_time: Some(text.to_string()),
        last_update_time: Some(text.to_string()),
        keyword: Some(text.to_string()),
    };
    assert_eq!(parse_criteria(&all).is_err(), any_failed);
    let _ = parse_time(&text);
});
