//! The crate's tests: every grammar form, every fault, and properties over generated values.

mod errors;
mod forms;
mod properties;

use std::ops::Bound;

use idplane_core::clock::Timestamp;
use idplane_core::query::{RangeValue, TextMatch, UserCondition, UserField};

use crate::{CriteriaError, Field, parse_value};

fn ok(field: Field, raw: &str) -> UserCondition {
    match parse_value(field, raw) {
        Ok(c) => c,
        Err(e) => panic!("{raw:?}: {e}"),
    }
}

fn err(field: Field, raw: &str) -> CriteriaError {
    match parse_value(field, raw) {
        Ok(c) => panic!("{raw:?} parsed to {c:?}"),
        Err(e) => e,
    }
}

fn text(field: UserField, matches: TextMatch) -> UserCondition {
    UserCondition::Text { field, matches }
}

fn text_range(field: UserField, low: Bound<&str>, high: Bound<&str>) -> UserCondition {
    let value = |s: &str| RangeValue::Text(s.to_owned());
    UserCondition::Range {
        field,
        low: low.map(value),
        high: high.map(value),
    }
}

fn time_range(field: UserField, low: Bound<i64>, high: Bound<i64>) -> UserCondition {
    let value = |ms| RangeValue::Time(Timestamp::from_millis(ms));
    UserCondition::Range {
        field,
        low: low.map(value),
        high: high.map(value),
    }
}
