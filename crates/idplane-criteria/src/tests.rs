use std::ops::Bound;

use idplane_core::clock::Timestamp;
use idplane_core::model::user::UserState;
use idplane_core::query::{RangeValue, TextMatch, UserCondition, UserField};
use proptest::prelude::*;

use super::*;

fn ok(field: Field, raw: &str) -> UserCondition {
    parse_value(field, raw).unwrap().unwrap()
}

fn err(field: Field, raw: &str) -> CriteriaError {
    parse_value(field, raw).unwrap_err()
}

fn text(field: UserField, m: TextMatch) -> UserCondition {
    UserCondition::Text { field, matches: m }
}

const T: i64 = 1_610_531_047_182; // 2021-01-13T09:44:07.182Z

#[test]
fn text_forms() {
    use TextMatch::*;
    assert_eq!(
        ok(Field::UserName, "\"alice\""),
        text(UserField::PreferredUsername, Exact("alice".into()))
    );
    assert_eq!(
        ok(Field::UserName, "\"al*\""),
        text(UserField::PreferredUsername, Exact("al*".into()))
    );
    assert_eq!(
        ok(Field::UserName, "al*"),
        text(UserField::PreferredUsername, Prefix("al".into()))
    );
    assert_eq!(
        ok(Field::Email, "example.com"),
        text(UserField::Email, Contains("example.com".into()))
    );
    assert_eq!(
        ok(Field::Phone, "  +86-138*  "),
        text(UserField::PhoneNumber, Prefix("+86-138".into()))
    );
    assert_eq!(parse_value(Field::UserName, "").unwrap(), None);
    assert_eq!(parse_value(Field::UserName, "   ").unwrap(), None);
}

#[test]
fn ranges() {
    assert_eq!(
        ok(Field::UserName, "[a,m}"),
        UserCondition::Range {
            field: UserField::PreferredUsername,
            low: Bound::Included(RangeValue::Text("a".into())),
            high: Bound::Excluded(RangeValue::Text("m".into())),
        }
    );
    assert_eq!(
        ok(Field::CreationTime, "{2021-01-13T09:44:07.182+0000,*]"),
        UserCondition::Range {
            field: UserField::CreateTime,
            low: Bound::Excluded(RangeValue::Time(Timestamp::from_millis(T))),
            high: Bound::Unbounded,
        }
    );
    assert_eq!(
        ok(Field::LastUpdateTime, "[*, 2021-01-13T17:44:07.182+08:00]"),
        UserCondition::Range {
            field: UserField::UpdateTime,
            low: Bound::Unbounded,
            high: Bound::Included(RangeValue::Time(Timestamp::from_millis(T))),
        }
    );
    assert_eq!(
        ok(Field::CreationTime, "[2021-01-13,2021-01-14}"),
        UserCondition::Range {
            field: UserField::CreateTime,
            low: Bound::Included(RangeValue::Time(Timestamp::from_millis(1_610_496_000_000))),
            high: Bound::Excluded(RangeValue::Time(Timestamp::from_millis(1_610_582_400_000))),
        }
    );
    assert_eq!(
        ok(Field::CreationTime, "2021-01-13T09:44:07.182Z"),
        UserCondition::Range {
            field: UserField::CreateTime,
            low: Bound::Included(RangeValue::Time(Timestamp::from_millis(T))),
            high: Bound::Included(RangeValue::Time(Timestamp::from_millis(T))),
        }
    );
    assert!(matches!(
        ok(Field::UserName, "[*,*]"),
        UserCondition::Range {
            low: Bound::Unbounded,
            high: Bound::Unbounded,
            ..
        }
    ));
}

#[test]
fn status_and_keyword() {
    assert_eq!(
        ok(Field::Status, "FREEZE"),
        UserCondition::StateIn(vec![UserState::Disabled])
    );
    assert_eq!(
        ok(Field::Status, "\"not_enabled\""),
        UserCondition::StateIn(vec![UserState::Unconfirmed])
    );
    assert!(matches!(ok(Field::Status, "NORMAL"), UserCondition::StateIn(s) if s.len() == 4));
    assert_eq!(
        ok(Field::Keyword, "ali"),
        UserCondition::Keyword("ali".into())
    );
    for s in UserState::ALL {
        assert!(states_for(eiam_status(s)).unwrap().contains(&s));
    }
}

#[test]
fn errors_say_what_and_where() {
    let e = err(Field::CreationTime, "[2021-01-13T09:44:07.182+0000,*");
    assert_eq!((e.offset, e.kind), (31, ErrorKind::Syntax));
    assert!(e.message.contains("unclosed range"), "{e}");
    let e = err(Field::CreationTime, "[yesterday,*]");
    assert_eq!((e.offset, e.kind), (1, ErrorKind::TimeFormat));
    let e = err(Field::UserName, "\"abc");
    assert!(e.message.contains("unclosed quote") && e.offset == 4, "{e}");
    let e = err(Field::UserName, "\"ab\"c");
    assert_eq!(e.offset, 4);
    let e = err(Field::UserName, "a*b*");
    assert_eq!(e.offset, 1);
    let e = err(Field::UserName, "*");
    assert_eq!(e.offset, 0);
    let e = err(Field::UserName, "[a,b,c]");
    assert_eq!(e.offset, 4);
    let e = err(Field::UserName, "[,b]");
    assert!(e.message.contains("empty range end"), "{e}");
    let e = err(Field::UserName, "[m,a]");
    assert!(e.message.contains("above its high end"), "{e}");
    let e = err(Field::Status, "FROZEN");
    assert!(e.message.contains("unknown status"), "{e}");
    let e = err(Field::Status, "[NORMAL,LOCKED]");
    assert!(e.message.contains("no range"), "{e}");
    let e = err(Field::Status, "NOR*");
    assert!(e.message.contains("no prefix"), "{e}");
    let e = err(Field::CreationTime, "2021*");
    assert!(e.message.contains("no prefix"), "{e}");
    let e = err(Field::UserName, "ab]c");
    assert_eq!(e.offset, 2);
    let e = err(Field::UserName, &"x".repeat(300));
    assert!(e.message.contains("longer than"), "{e}");
    // Found by the fuzzer: leading blanks must not push the offset past the value's end.
    let long = format!("{}{}", " ".repeat(33), "\u{15}".repeat(250));
    let e = err(Field::UserName, &long);
    assert!(e.offset <= long.chars().count(), "{e}");
    let e = err(Field::UserName, "[a*,b]");
    assert_eq!(e.offset, 2);
    assert!(
        err(Field::UserName, "[a,b")
            .to_string()
            .starts_with("SearchCondition.UserName: ")
    );
}

#[test]
fn criteria_intersect() {
    let c = SearchCriteria {
        user_name: Some("al*".into()),
        status: Some("LOCKED".into()),
        email: Some(String::new()),
        ..SearchCriteria::default()
    };
    assert_eq!(parse_criteria(&c).unwrap().len(), 2);
}

/// A well-formed value and the condition it must parse to.
fn arb_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9@._+-][a-zA-Z0-9@._+ -]{0,14}[a-zA-Z0-9@._+-]|[a-zA-Z0-9@._+-]"
}

fn arb_time() -> impl Strategy<Value = (i64, String)> {
    (0i64..4_000_000_000_000, 0usize..4).prop_map(|(ms, style)| {
        let ts = Timestamp::from_millis(ms);
        let dt = ts.to_datetime();
        let base = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        );
        let text = match style {
            0 => format!("{base}+0000"),
            1 => format!("{base}Z"),
            2 => format!("{base}+00:00"),
            _ => format!("{base}-0000"),
        };
        (ms, text)
    })
}

proptest! {
    #[test]
    fn never_panics(raw in "\\PC{0,40}", field in 0usize..7) {
        let _ = parse_value(Field::ALL[field], &raw);
    }

    #[test]
    fn never_panics_on_near_grammar(raw in "[\\[\\]{}\",*a-z0-9: T.+-]{0,30}", field in 0usize..7) {
        if let Err(e) = parse_value(Field::ALL[field], &raw) {
            prop_assert!(e.offset <= raw.chars().count());
        }
    }

    #[test]
    fn text_round_trips(t in arb_text(), form in 0usize..3) {
        let (raw, want) = match form {
            0 => (format!("\"{t}\""), TextMatch::Exact(t.clone())),
            1 => (format!("{t}*"), TextMatch::Prefix(t.clone())),
            _ => (t.clone(), TextMatch::Contains(t.clone())),
        };
        prop_assert_eq!(ok(Field::UserName, &raw), text(UserField::PreferredUsername, want));
    }

    #[test]
    fn time_ranges_round_trip(a in arb_time(), b in arb_time(), lo in any::<bool>(), hi in any::<bool>(), open_low in any::<bool>(), open_high in any::<bool>()) {
        let ((x, xt), (y, yt)) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        let low_text = if open_low { "*".to_owned() } else { xt };
        let high_text = if open_high { "*".to_owned() } else { yt };
        let raw = format!("{}{low_text},{high_text}{}", if lo { '[' } else { '{' }, if hi { ']' } else { '}' });
        let bound = |v: i64, closed: bool, open: bool| {
            if open { Bound::Unbounded }
            else if closed { Bound::Included(RangeValue::Time(Timestamp::from_millis(v))) }
            else { Bound::Excluded(RangeValue::Time(Timestamp::from_millis(v))) }
        };
        prop_assert_eq!(
            ok(Field::CreationTime, &raw),
            UserCondition::Range { field: UserField::CreateTime, low: bound(x, lo, open_low), high: bound(y, hi, open_high) }
        );
    }

    #[test]
    fn truncated_ranges_fail(t in arb_time(), cut in 1usize..20) {
        let raw = format!("[{},*]", t.1);
        let n = raw.chars().count();
        let truncated: String = raw.chars().take(n.saturating_sub(cut)).collect();
        let e = parse_value(Field::CreationTime, &truncated);
        prop_assert!(e.is_err(), "{truncated}");
        prop_assert!(e.unwrap_err().offset <= truncated.chars().count());
    }
}
