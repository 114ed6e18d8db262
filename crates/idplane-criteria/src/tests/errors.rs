//! Every fault: which value raises it, at which offset, reported as which EIAM error.

use super::err;
use crate::{ErrorKind, Fault, Field, MAX_VALUE_LEN, parse_value};

fn unclosed(expected: &'static str) -> Fault {
    Fault::UnclosedRange { expected }
}

fn not_allowed(form: &'static str, hint: &'static str) -> Fault {
    Fault::FormNotAllowed { form, hint }
}

const STATUS_HINT: &str = "a status is one of NORMAL, FREEZE, LOCKED or NOT_ENABLED";
const TIME_PREFIX_HINT: &str = "give a date (2021-01-13) for a whole day, or a range";
const KEYWORD_HINT: &str = "Keyword is a text searched in user names and user ids";

#[test]
fn every_fault_at_its_offset() {
    use Field::*;
    let long = "x".repeat(MAX_VALUE_LEN + 1);
    let cases: Vec<(Field, &str, Fault, usize)> = vec![
        (UserName, &long, Fault::TooLong, MAX_VALUE_LEN),
        (UserName, "", Fault::Empty, 0),
        (Status, " \t ", Fault::Empty, 0),
        (UserName, "ab\u{1}c", Fault::ControlChar, 2),
        (UserName, " a\tb", Fault::ControlChar, 2),
        (UserName, "“alice”", Fault::Lookalike('“'), 0),
        (UserName, "ali”", Fault::Lookalike('”'), 3),
        (UserName, "[a，b]", Fault::Lookalike('，'), 2),
        (UserName, "\"abc", Fault::UnclosedQuote, 4),
        (UserName, "  \"abc  ", Fault::UnclosedQuote, 6),
        (UserName, "\"\"", Fault::EmptyQuotes, 0),
        (UserName, "\"ab\"c", Fault::TrailingText('"'), 4),
        (UserName, "\"a\"b\"", Fault::TrailingText('"'), 3),
        (UserName, "[a,b]x", Fault::TrailingText(']'), 5),
        (UserName, "{a,b} c", Fault::TrailingText('}'), 6),
        (UserName, "ab]c", Fault::StrayChar(']'), 2),
        (UserName, "a\"b", Fault::StrayChar('"'), 1),
        (UserName, "ab{", Fault::StrayChar('{'), 2),
        (UserName, "}", Fault::StrayChar('}'), 0),
        (UserName, "[a\"b,c]", Fault::StrayChar('"'), 2),
        (UserName, "[a,b[c]", Fault::StrayChar('['), 4),
        (UserName, "*", Fault::LoneStar, 0),
        (Keyword, "  *", Fault::LoneStar, 2),
        (UserName, "a*b*", Fault::MisplacedStar, 1),
        (UserName, "*a", Fault::MisplacedStar, 0),
        (UserName, "ab**", Fault::MisplacedStar, 2),
        (UserName, "[a*,b]", Fault::MisplacedStar, 2),
        (UserName, "[a,**]", Fault::MisplacedStar, 3),
        (UserName, "[a]", Fault::MissingComma, 2),
        (UserName, "[a b}", Fault::MissingComma, 4),
        (UserName, "[a,b,c]", Fault::ExtraComma, 4),
        (UserName, "[,b]", Fault::EmptyBound, 1),
        (UserName, "[a, ]", Fault::EmptyBound, 4),
        (UserName, "[a", unclosed("',' and the high end"), 2),
        (
            CreationTime,
            "[2021-01-13",
            unclosed("',' and the high end"),
            11,
        ),
        (UserName, "[a,b", unclosed("']' or '}'"), 4),
        (UserName, "[", unclosed("a range end"), 1),
        (UserName, "{a,  ", unclosed("a range end"), 3),
        (UserName, "[m,a]", Fault::EmptyRange, 3),
        (UserName, "{a,a]", Fault::EmptyRange, 3),
        (UserName, "[a,a}", Fault::EmptyRange, 3),
        (
            CreationTime,
            "{2021-01-13,2021-01-14}",
            Fault::EmptyRange,
            12,
        ),
        (
            CreationTime,
            "[2021-01-14T00:00Z,2021-01-13]",
            Fault::EmptyRange,
            19,
        ),
        (LastUpdateTime, "{9999-12-31,*]", Fault::EmptyRange, 1),
        (Status, "FROZEN", Fault::UnknownStatus("FROZEN".into()), 0),
        (
            Status,
            "\"NORMAL \"",
            Fault::UnknownStatus("NORMAL ".into()),
            1,
        ),
        (Status, "NOR*", not_allowed("prefix", STATUS_HINT), 3),
        (
            Status,
            "[NORMAL,LOCKED]",
            not_allowed("range", STATUS_HINT),
            0,
        ),
        (
            CreationTime,
            "2021*",
            not_allowed("prefix", TIME_PREFIX_HINT),
            4,
        ),
        (Keyword, " [a,b]", not_allowed("range", KEYWORD_HINT), 1),
        (
            CreationTime,
            "yesterday",
            Fault::TimeExpected("a four-digit year"),
            0,
        ),
        (
            CreationTime,
            "[yesterday,*]",
            Fault::TimeExpected("a four-digit year"),
            1,
        ),
        (
            CreationTime,
            "[*, 2021-01-13T09:44:07]",
            Fault::TimeExpected("'Z' or an offset such as +0800"),
            23,
        ),
        (
            LastUpdateTime,
            "\"2021-01-13 \"",
            Fault::TimeExpected("'T' between the date and the clock time"),
            11,
        ),
        (CreationTime, "2021-02-30", Fault::TimeOutOfRange("day"), 8),
        (
            CreationTime,
            "[2021-01-13T25:00Z,*]",
            Fault::TimeOutOfRange("hour"),
            12,
        ),
    ];
    for (field, raw, fault, offset) in cases {
        let e = err(field, raw);
        assert_eq!(
            (&e.fault, e.offset),
            (&fault, offset),
            "{field:?} {raw:?}: {e}"
        );
        assert_eq!(e.field, field.name());
        assert_eq!(e.kind, fault.kind());
        assert!(e.offset <= raw.chars().count(), "{e}");
    }
}

#[test]
fn time_faults_are_time_format_errors() {
    assert_eq!(
        err(Field::CreationTime, "2021-13-01").kind,
        ErrorKind::TimeFormat
    );
    assert_eq!(
        err(Field::CreationTime, "[x,*]").kind,
        ErrorKind::TimeFormat
    );
    assert_eq!(
        err(Field::CreationTime, "[2021-01-01").kind,
        ErrorKind::Syntax
    );
    assert_eq!(err(Field::Status, "LOCK").kind, ErrorKind::Syntax);
}

#[test]
fn the_message_says_what_where_and_why() {
    let e = err(Field::CreationTime, "[2021-01-13");
    assert_eq!(e.message, "unclosed range: expected ',' and the high end");
    assert_eq!(
        e.to_string(),
        "SearchCondition.CreationTime: unclosed range at offset 11: expected ',' and the high end"
    );
    assert_eq!(
        err(Field::Status, "FROZEN").to_string(),
        "SearchCondition.Status: unknown status \"FROZEN\" at offset 0: \
         expected NORMAL, FREEZE, LOCKED or NOT_ENABLED"
    );
    assert_eq!(
        err(Field::LastUpdateTime, "2021-01-13T09:44:07+2400").to_string(),
        "SearchCondition.LastUpdateTime: UTC offset out of range at offset 20: \
         times look like 2021-01-13T09:44:07.182+0000 or 2021-01-13"
    );
}

#[test]
fn offsets_count_characters_not_bytes() {
    assert_eq!(err(Field::UserName, "张三]").offset, 2);
    assert_eq!(err(Field::UserName, "\"张三").offset, 3);
}

/// Inputs the fuzzer once broke the parser with.
#[test]
fn fuzz_regressions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for field in Field::ALL {
            if let Err(e) = parse_value(field, &text) {
                assert!(e.offset <= text.chars().count(), "{e}");
            }
        }
        seen += 1;
    }
    assert!(seen > 0);
}
