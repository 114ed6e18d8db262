//! What a parsed value means for each field: the idplane-core condition it becomes.

use std::ops::Bound;

use idplane_core::clock::Timestamp;
use idplane_core::query::{RangeValue, TextMatch, UserCondition, UserField};

use crate::Field;
use crate::error::Fault;
use crate::iso8601::{self, Moment};
use crate::status::states_for;
use crate::syntax::{End, Fail, Range, Text, Value};

const STATUS_HINT: &str = "a status is one of NORMAL, FREEZE, LOCKED or NOT_ENABLED";
const TIME_PREFIX_HINT: &str = "give a date (2021-01-13) for a whole day, or a range";
const KEYWORD_HINT: &str = "Keyword is a text searched in user names and user ids";

pub(crate) fn condition(field: Field, value: Value) -> Result<UserCondition, Fail> {
    match field {
        Field::UserName | Field::Phone | Field::Email => text(field.user_field(), value),
        Field::Status => status(value),
        Field::CreationTime | Field::LastUpdateTime => time(field.user_field(), value),
        Field::Keyword => keyword(value),
    }
}

fn text(field: UserField, value: Value) -> Result<UserCondition, Fail> {
    let matches = match value {
        Value::Exact(t) => TextMatch::Exact(t.text),
        Value::Prefix(t) => TextMatch::Prefix(t.text),
        Value::Plain(t) => TextMatch::Contains(t.text),
        Value::Range(r) => {
            let high_at = r.high.at;
            let low = text_bound(r.low);
            let high = text_bound(r.high);
            if is_empty(&low, &high) {
                return Err((Fault::EmptyRange, high_at));
            }
            return Ok(UserCondition::Range {
                field,
                low: low.map(RangeValue::Text),
                high: high.map(RangeValue::Text),
            });
        }
    };
    Ok(UserCondition::Text { field, matches })
}

fn text_bound(end: End) -> Bound<String> {
    match end.value {
        None => Bound::Unbounded,
        Some(t) if end.closed => Bound::Included(t.text),
        Some(t) => Bound::Excluded(t.text),
    }
}

fn status(value: Value) -> Result<UserCondition, Fail> {
    match value {
        Value::Exact(t) | Value::Plain(t) => states_for(&t.text)
            .map(UserCondition::StateIn)
            .ok_or((Fault::UnknownStatus(t.text), t.at)),
        Value::Prefix(t) => Err(not_allowed("prefix", STATUS_HINT, star_at(&t))),
        Value::Range(r) => Err(not_allowed("range", STATUS_HINT, r.at)),
    }
}

fn keyword(value: Value) -> Result<UserCondition, Fail> {
    match value {
        Value::Exact(t) | Value::Plain(t) | Value::Prefix(t) => Ok(UserCondition::Keyword(t.text)),
        Value::Range(r) => Err(not_allowed("range", KEYWORD_HINT, r.at)),
    }
}

/// A time (or a date, standing for its whole UTC day), or a range of them.
fn time(field: UserField, value: Value) -> Result<UserCondition, Fail> {
    let (low, high) = match value {
        Value::Exact(t) | Value::Plain(t) => match moment(&t)? {
            Moment::Instant(i) => (Bound::Included(i), Bound::Included(i)),
            Moment::Day { start, next } => (Bound::Included(start), after(next)),
        },
        Value::Prefix(t) => return Err(not_allowed("prefix", TIME_PREFIX_HINT, star_at(&t))),
        Value::Range(r) => time_range(&r)?,
    };
    Ok(UserCondition::Range {
        field,
        low: low.map(RangeValue::Time),
        high: high.map(RangeValue::Time),
    })
}

/// The bounds of a time range. A date covers its whole day: a closed end includes the day, an
/// open end excludes it (`{2021-01-13` starts at the 14th, `2021-01-13]` ends before the 14th).
fn time_range(r: &Range) -> Result<(Bound<Timestamp>, Bound<Timestamp>), Fail> {
    let low = match &r.low.value {
        None => Bound::Unbounded,
        Some(t) => match (moment(t)?, r.low.closed) {
            (Moment::Instant(i), true) => Bound::Included(i),
            (Moment::Instant(i), false) => Bound::Excluded(i),
            (Moment::Day { start, .. }, true) => Bound::Included(start),
            (Moment::Day { next: Some(n), .. }, false) => Bound::Included(n),
            // Nothing comes after the last representable day.
            (Moment::Day { next: None, .. }, false) => return Err((Fault::EmptyRange, t.at)),
        },
    };
    let high = match &r.high.value {
        None => Bound::Unbounded,
        Some(t) => match (moment(t)?, r.high.closed) {
            (Moment::Instant(i), true) => Bound::Included(i),
            (Moment::Instant(i), false) => Bound::Excluded(i),
            (Moment::Day { next, .. }, true) => after(next),
            (Moment::Day { start, .. }, false) => Bound::Excluded(start),
        },
    };
    if is_empty(&low, &high) {
        return Err((Fault::EmptyRange, r.high.at));
    }
    Ok((low, high))
}

fn moment(t: &Text) -> Result<Moment, Fail> {
    iso8601::parse(&t.text, t.at)
}

/// The high bound that ends a day: before the next day starts, or none after the last day.
fn after(next: Option<Timestamp>) -> Bound<Timestamp> {
    next.map_or(Bound::Unbounded, Bound::Excluded)
}

/// No value lies between the bounds: low above high, or equal with an open end.
fn is_empty<T: Ord>(low: &Bound<T>, high: &Bound<T>) -> bool {
    match (low, high) {
        (Bound::Included(a), Bound::Included(b)) => a > b,
        (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
            a >= b
        }
        _ => false,
    }
}

fn not_allowed(form: &'static str, hint: &'static str, at: usize) -> Fail {
    (Fault::FormNotAllowed { form, hint }, at)
}

/// The offset of the `*` that ends a prefix.
fn star_at(t: &Text) -> usize {
    t.at + t.text.chars().count()
}
