//! Feeds arbitrary bytes, as UTF-8, to the SearchCondition parser for every field: it must
//! never panic, and every error must point inside the value.

#![no_main]

use idplane_criteria::{Field, parse_value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        for field in Field::ALL {
            if let Err(e) = parse_value(field, text) {
                assert!(e.offset <= text.chars().count(), "offset past the end: {e}");
            }
        }
    }
});
