//! Properties: no input panics; generated well-formed values parse to what they were rendered
//! from; generated malformations fail with an offset inside the value.

use std::ops::Bound::{self, Excluded, Included, Unbounded};

use idplane_core::model::user::UserState;
use idplane_core::query::TextMatch;
use idplane_core::query::{UserCondition, UserField};
use proptest::prelude::*;
use proptest::sample::select;
use time::{Date, Month, OffsetDateTime, UtcOffset};

use super::{err, ok, text, text_range, time_range};
use crate::{ErrorKind, Fault, Field, MAX_VALUE_LEN, parse_value};

const TEXT_FIELDS: [(Field, UserField); 3] = [
    (Field::UserName, UserField::Username),
    (Field::Phone, UserField::Phone),
    (Field::Email, UserField::Email),
];
const TIME_FIELDS: [(Field, UserField); 2] = [
    (Field::CreationTime, UserField::CreateTime),
    (Field::LastUpdateTime, UserField::UpdateTime),
];
const DAY: i64 = 86_400_000;

/// A word: no grammar characters, no blanks at its ends; commas only when `commas`.
fn word(commas: bool) -> impl Strategy<Value = String> {
    let inner = if commas {
        "[a-zA-Z0-9@._+é张 ,-]"
    } else {
        "[a-zA-Z0-9@._+é张 -]"
    };
    let edge = "[a-zA-Z0-9@._+é张-]";
    prop_oneof![
        edge.prop_map(String::from),
        (edge, proptest::collection::vec(inner, 0..12), edge)
            .prop_map(|(a, mid, b)| format!("{a}{}{b}", mid.concat())),
    ]
}

/// What goes between quotes: anything but a quote or a control character.
fn quoted() -> impl Strategy<Value = String> {
    "[^\"\\p{Cc}]{1,20}"
}

/// Blanks the parser ignores: around the whole value (where tabs and newlines are trimmed too),
/// and around range ends.
fn outer_blank() -> impl Strategy<Value = String> {
    "[ \t\n]{0,2}"
}
fn inner_blank() -> impl Strategy<Value = String> {
    " {0,2}"
}

/// A time as written and what it names: `(start, Some(next))` for a date, `(t, None)` for
/// an instant.
#[derive(Debug, Clone)]
struct GenTime {
    text: String,
    at: i64,
    next_day: Option<i64>,
}

fn instant() -> impl Strategy<Value = GenTime> {
    // 1000-01-01 .. 9000-01-01 UTC, so any offset keeps the local year in 0000–9999.
    let ms = -30_610_224_000_000i64..221_845_392_000_000;
    (
        ms,
        0usize..4,
        -1439i32..=1439,
        0usize..4,
        any::<bool>(),
        "[0-9]{1,6}",
    )
        .prop_map(|(ms, precision, offset_min, zone_style, lower, extra)| {
            let unit = [60_000, 1000, 1, 1][precision];
            let ms = ms - ms.rem_euclid(unit);
            let offset = UtcOffset::from_whole_seconds(offset_min * 60).unwrap();
            let local = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .unwrap()
                .to_offset(offset);
            let clock = match precision {
                0 => format!("{:02}:{:02}", local.hour(), local.minute()),
                1 => format!(
                    "{:02}:{:02}:{:02}",
                    local.hour(),
                    local.minute(),
                    local.second()
                ),
                _ => format!(
                    "{:02}:{:02}:{:02}.{:03}{}",
                    local.hour(),
                    local.minute(),
                    local.second(),
                    local.millisecond(),
                    if precision == 3 { extra.as_str() } else { "" }
                ),
            };
            let (sign, abs) = if offset_min < 0 {
                ('-', -offset_min)
            } else {
                ('+', offset_min)
            };
            let (hh, mm) = (abs / 60, abs % 60);
            let zone = match zone_style {
                0 if offset_min == 0 => "Z".to_owned(),
                1 => format!("{sign}{hh:02}{mm:02}"),
                3 if mm == 0 => format!("{sign}{hh:02}"),
                _ => format!("{sign}{hh:02}:{mm:02}"),
            };
            let (t, zone) = if lower {
                ("t", zone.to_lowercase())
            } else {
                ("T", zone)
            };
            GenTime {
                text: format!("{}{t}{clock}{zone}", date_text(local.date())),
                at: ms,
                next_day: None,
            }
        })
}

fn date() -> impl Strategy<Value = GenTime> {
    (1000i32..=9998, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| {
        let date = Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
        let start = date.midnight().assume_utc().unix_timestamp() * 1000;
        GenTime {
            text: date_text(date),
            at: start,
            next_day: Some(start + DAY),
        }
    })
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn any_time() -> impl Strategy<Value = GenTime> {
    prop_oneof![3 => instant(), 1 => date()]
}

/// What an end of a time range becomes, by the documented rule (a date covers its day).
fn time_bound(t: &Option<GenTime>, closed: bool, low: bool) -> Bound<i64> {
    let Some(t) = t else { return Unbounded };
    match (t.next_day, closed, low) {
        (None, true, _) => Included(t.at),
        (None, false, _) => Excluded(t.at),
        (Some(_), true, true) => Included(t.at),
        (Some(next), false, true) => Included(next),
        (Some(next), true, false) => Excluded(next),
        (Some(_), false, false) => Excluded(t.at),
    }
}

/// No value lies between the bounds.
fn holds_nothing<T: Ord>(low: &Bound<T>, high: &Bound<T>) -> bool {
    match (low, high) {
        (Included(a), Included(b)) => a > b,
        (Included(a) | Excluded(a), Included(b) | Excluded(b)) => a >= b,
        _ => false,
    }
}

/// `[low,high]` with the brackets asked for (`true`: closed) and blanks around the ends.
fn render_range(
    low_closed: bool,
    low: &str,
    high: &str,
    high_closed: bool,
    b: &[String; 4],
) -> String {
    format!(
        "{}{}{low}{},{}{high}{}{}",
        if low_closed { '[' } else { '{' },
        b[0],
        b[1],
        b[2],
        b[3],
        if high_closed { ']' } else { '}' }
    )
}

fn blanks4() -> impl Strategy<Value = [String; 4]> {
    [inner_blank(), inner_blank(), inner_blank(), inner_blank()]
}

fn assert_err_inside(field: Field, raw: &str) -> Result<crate::CriteriaError, TestCaseError> {
    match parse_value(field, raw) {
        Ok(c) => Err(TestCaseError::fail(format!("{raw:?} parsed to {c:?}"))),
        Err(e) => {
            prop_assert!(e.offset <= raw.chars().count(), "{raw:?}: {e}");
            Ok(e)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics(raw in any::<String>(), field in select(Field::ALL.to_vec())) {
        if let Err(e) = parse_value(field, &raw) {
            prop_assert!(e.offset <= raw.chars().count(), "{raw:?}: {e}");
            let head = format!("SearchCondition.{}: ", field.name());
            prop_assert!(e.to_string().starts_with(&head), "{}", e);
        }
    }

    #[test]
    fn never_panics_near_the_grammar(
        raw in "[\\[\\]{}\",*a-z0-9: tTzZ.+\\-“”，\t\u{1}]{0,40}",
        field in select(Field::ALL.to_vec()),
    ) {
        if let Err(e) = parse_value(field, &raw) {
            prop_assert!(e.offset <= raw.chars().count(), "{raw:?}: {e}");
        }
    }

    #[test]
    fn text_values_round_trip(
        (field, user_field) in select(TEXT_FIELDS.to_vec()),
        w in word(true),
        q in quoted(),
        form in 0usize..3,
        (b1, b2) in (outer_blank(), outer_blank()),
    ) {
        let (raw, want) = match form {
            0 => (format!("\"{q}\""), TextMatch::Exact(q)),
            1 => (format!("{w}*"), TextMatch::Prefix(w)),
            _ => (w.clone(), TextMatch::Contains(w)),
        };
        prop_assert_eq!(ok(field, &format!("{b1}{raw}{b2}")), text(user_field, want));
    }

    #[test]
    fn text_ranges_round_trip(
        (field, user_field) in select(TEXT_FIELDS.to_vec()),
        low in proptest::option::weighted(0.8, word(false)),
        high in proptest::option::weighted(0.8, word(false)),
        (lc, hc) in (any::<bool>(), any::<bool>()),
        b in blanks4(),
    ) {
        let end = |w: &Option<String>| w.clone().unwrap_or_else(|| "*".into());
        let raw = render_range(lc, &end(&low), &end(&high), hc, &b);
        fn bound(w: &Option<String>, closed: bool) -> Bound<&str> {
            match w {
                None => Unbounded,
                Some(w) if closed => Included(w.as_str()),
                Some(w) => Excluded(w.as_str()),
            }
        }
        let (lo, hi) = (bound(&low, lc), bound(&high, hc));
        if holds_nothing(&lo, &hi) {
            prop_assert_eq!(err(field, &raw).fault, Fault::EmptyRange);
        } else {
            prop_assert_eq!(ok(field, &raw), text_range(user_field, lo, hi));
        }
    }

    #[test]
    fn single_times_round_trip(
        (field, user_field) in select(TIME_FIELDS.to_vec()),
        t in any_time(),
        quote in any::<bool>(),
    ) {
        let raw = if quote { format!("\"{}\"", t.text) } else { t.text.clone() };
        let want = match t.next_day {
            None => time_range(user_field, Included(t.at), Included(t.at)),
            Some(next) => time_range(user_field, Included(t.at), Excluded(next)),
        };
        prop_assert_eq!(ok(field, &raw), want);
    }

    #[test]
    fn time_ranges_round_trip(
        (field, user_field) in select(TIME_FIELDS.to_vec()),
        low in proptest::option::weighted(0.8, any_time()),
        high in proptest::option::weighted(0.8, any_time()),
        (lc, hc) in (any::<bool>(), any::<bool>()),
        b in blanks4(),
    ) {
        let end = |t: &Option<GenTime>| t.as_ref().map_or("*".to_owned(), |t| t.text.clone());
        let raw = render_range(lc, &end(&low), &end(&high), hc, &b);
        let (lo, hi) = (time_bound(&low, lc, true), time_bound(&high, hc, false));
        if holds_nothing(&lo, &hi) {
            prop_assert_eq!(err(field, &raw).fault, Fault::EmptyRange);
        } else {
            prop_assert_eq!(ok(field, &raw), time_range(user_field, lo, hi));
        }
    }

    #[test]
    fn statuses_round_trip(
        (name, states) in select(vec![
            ("NORMAL", vec![
                UserState::Confirmed,
                UserState::ExternalProvider,
                UserState::ResetRequired,
                UserState::ForceChangePassword,
            ]),
            ("FREEZE", vec![UserState::Disabled]),
            ("LOCKED", vec![UserState::Locked]),
            ("NOT_ENABLED", vec![UserState::Unconfirmed]),
        ]),
        upper in proptest::collection::vec(any::<bool>(), 11),
        quote in any::<bool>(),
        (b1, b2) in (outer_blank(), outer_blank()),
    ) {
        let cased: String = name
            .chars()
            .zip(&upper)
            .map(|(c, up)| if *up { c } else { c.to_ascii_lowercase() })
            .collect();
        let raw = if quote { format!("{b1}\"{cased}\"{b2}") } else { format!("{b1}{cased}{b2}") };
        prop_assert_eq!(ok(Field::Status, &raw), UserCondition::StateIn(states));
    }

    #[test]
    fn keywords_round_trip(w in word(true), form in 0usize..3, (b1, b2) in (outer_blank(), outer_blank())) {
        let raw = match form {
            0 => format!("\"{w}\""),
            1 => format!("{w}*"),
            _ => w.clone(),
        };
        prop_assert_eq!(ok(Field::Keyword, &format!("{b1}{raw}{b2}")), UserCondition::Keyword(w));
    }

    /// A grammar character, a star or a control character put inside a plain word is refused
    /// exactly where it was put.
    #[test]
    fn an_inserted_mark_is_refused_where_it_is(
        (field, _) in select(TEXT_FIELDS.to_vec()),
        w in word(true),
        mark in select(vec![']', '}', '“', '”', '，', '*', '\u{1}', '\u{7f}', '"', '[', '{']),
        at in any::<prop::sample::Index>(),
    ) {
        let chars: Vec<char> = w.chars().collect();
        let i = at.index(chars.len());
        // '"', '[' and '{' in front would open a quote or a range instead.
        prop_assume!(i > 0 || !matches!(mark, '"' | '[' | '{'));
        let raw: String = chars[..i].iter().chain([&mark]).chain(&chars[i..]).collect();
        let e = assert_err_inside(field, &raw)?;
        prop_assert_eq!(e.offset, i, "{:?}: {}", raw, e);
    }

    /// Any one digit of a time replaced by a letter is a time format error at that digit.
    #[test]
    fn a_broken_digit_is_a_time_error_where_it_is(
        (field, _) in select(TIME_FIELDS.to_vec()),
        t in any_time(),
        at in any::<prop::sample::Index>(),
        in_range in any::<bool>(),
    ) {
        let digits: Vec<usize> = t.text.char_indices()
            .filter(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i)
            .collect();
        let d = digits[at.index(digits.len())];
        let broken = format!("{}x{}", &t.text[..d], &t.text[d + 1..]);
        let (raw, shift) = if in_range { (format!("[{broken},*]"), 1) } else { (broken, 0) };
        let e = assert_err_inside(field, &raw)?;
        prop_assert_eq!((e.offset, e.kind), (d + shift, ErrorKind::TimeFormat), "{:?}: {}", raw, e);
    }

    /// A well-formed range or quoted value, cut or padded, fails inside the value.
    #[test]
    fn a_mangled_value_fails(
        (field, _) in select(TEXT_FIELDS.to_vec()),
        low in word(false),
        high in word(false),
        q in quoted(),
        (lc, hc) in (any::<bool>(), any::<bool>()),
        b in blanks4(),
        how in 0usize..8,
    ) {
        let range = render_range(lc, &low, &high, hc, &b);
        let (raw, want): (String, Option<Fault>) = match how {
            // The closing bracket dropped.
            0 => (range[..range.len() - 1].to_owned(), None),
            // The comma dropped.
            1 => (range.replacen(',', "", 1), None),
            // A third end.
            2 => {
                let n = range.len() - 1;
                (format!("{},x{}", &range[..n], &range[n..]), Some(Fault::ExtraComma))
            }
            // Text after the closer.
            3 => (format!("{range}x"), Some(Fault::TrailingText(if hc { ']' } else { '}' }))),
            // The closing quote dropped.
            4 => (format!("\"{q}"), Some(Fault::UnclosedQuote)),
            // Text after the closing quote.
            5 => (format!("\"{q}\"x"), Some(Fault::TrailingText('"'))),
            // Too long.
            6 => (format!("\"{}\"", q.repeat(MAX_VALUE_LEN)), Some(Fault::TooLong)),
            // A prefix with a second star.
            _ => (format!("{low}**"), Some(Fault::MisplacedStar)),
        };
        let e = assert_err_inside(field, &raw)?;
        if let Some(want) = want {
            prop_assert_eq!(e.fault, want, "{:?}", raw);
        }
    }

    /// The same range with its ends swapped holds nothing.
    #[test]
    fn swapped_ends_are_refused(
        (field, _) in select(TEXT_FIELDS.to_vec()),
        a in word(false),
        b in word(false),
        (lc, hc) in (any::<bool>(), any::<bool>()),
    ) {
        prop_assume!(a != b);
        let (lo, hi) = if a < b { (b, a) } else { (a, b) };
        let raw = render_range(lc, &lo, &hi, hc, &Default::default());
        prop_assert_eq!(assert_err_inside(field, &raw)?.fault, Fault::EmptyRange);
    }
}
