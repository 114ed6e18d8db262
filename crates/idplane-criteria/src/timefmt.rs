//! ISO 8601 times as EIAM writes them (`2021-01-13T09:44:07.182+0000`) and the other usual forms.

use idplane_core::clock::Timestamp;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM|±HHMM)` or a date `YYYY-MM-DD` (midnight UTC).
pub fn parse(text: &str) -> Option<Timestamp> {
    if let Ok(dt) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(Timestamp::from_datetime(dt));
    }
    if text.len() == 10 {
        let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
        return Some(Timestamp::from_datetime(date.midnight().assume_utc()));
    }
    // Offsets without a colon: ±HHMM at the end.
    let (head, sign, hh, mm) = {
        let n = text.len();
        if n < 5 || !text.is_char_boundary(n - 5) {
            return None;
        }
        let (head, tail) = text.split_at(n - 5);
        let mut chars = tail.chars();
        let sign = match chars.next()? {
            '+' => 1,
            '-' => -1,
            _ => return None,
        };
        let digits: String = chars.collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hh: i8 = digits.get(..2)?.parse().ok()?;
        let mm: i8 = digits.get(2..)?.parse().ok()?;
        (head, sign, hh, mm)
    };
    let primitive = PrimitiveDateTime::parse(
        head,
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        ),
    )
    .ok()?;
    let offset = UtcOffset::from_hms(sign * hh, sign * mm, 0).ok()?;
    Some(Timestamp::from_datetime(primitive.assume_offset(offset)))
}
