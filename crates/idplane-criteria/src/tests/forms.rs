//! Every grammar form, for every kind of field, with the exact condition it becomes.

use std::ops::Bound::{Excluded, Included, Unbounded};

use idplane_core::model::user::UserState;
use idplane_core::query::TextMatch::{Contains, Exact, Prefix};
use idplane_core::query::{UserCondition, UserField};

use super::{ok, text, text_range, time_range};
use crate::{Field, SearchCriteria, eiam_status, parse_criteria, parse_value, states_for};

/// 2021-01-13T09:44:07.182Z
const T: i64 = 1_610_531_047_182;
/// 2021-01-13T00:00:00Z and the next two midnights.
const D13: i64 = 1_610_496_000_000;
const DAY: i64 = 86_400_000;
const D14: i64 = D13 + DAY;
const D15: i64 = D14 + DAY;
const JAN_1: i64 = 1_609_459_200_000;
const FEB_1: i64 = 1_612_137_600_000;
/// 9999-12-31T00:00:00Z, the last representable day.
const LAST_DAY: i64 = 253_402_214_400_000;

const USER_NAME: UserField = UserField::Username;

#[test]
fn quoted_text_is_exact_and_literal() {
    let cases = [
        ("\"alice\"", "alice"),
        ("\"al*\"", "al*"),
        ("  \" a b \"  ", " a b "),
        ("\"[a,b]\"", "[a,b]"),
        ("\"“x”，\"", "“x”，"),
        ("\"\\\"", "\\"),
    ];
    for (raw, want) in cases {
        assert_eq!(
            ok(Field::UserName, raw),
            text(USER_NAME, Exact(want.into())),
            "{raw}"
        );
    }
    assert_eq!(
        ok(Field::Email, "\"a@example.com\""),
        text(UserField::Email, Exact("a@example.com".into()))
    );
}

#[test]
fn a_trailing_star_is_a_prefix() {
    assert_eq!(
        ok(Field::UserName, "al*"),
        text(USER_NAME, Prefix("al".into()))
    );
    assert_eq!(
        ok(Field::Phone, "  +86-138*  "),
        text(UserField::Phone, Prefix("+86-138".into()))
    );
    assert_eq!(
        ok(Field::UserName, "ab *"),
        text(USER_NAME, Prefix("ab ".into()))
    );
}

#[test]
fn a_plain_text_is_a_substring() {
    assert_eq!(
        ok(Field::Email, "example.com"),
        text(UserField::Email, Contains("example.com".into()))
    );
    assert_eq!(
        ok(Field::UserName, "\tJohn Smith\n"),
        text(USER_NAME, Contains("John Smith".into()))
    );
    assert_eq!(
        ok(Field::UserName, "a,b"),
        text(USER_NAME, Contains("a,b".into()))
    );
    assert_eq!(
        ok(Field::UserName, "张三"),
        text(USER_NAME, Contains("张三".into()))
    );
}

#[test]
fn text_ranges_with_every_bracket() {
    let cases = [
        ("[a,m]", Included("a"), Included("m")),
        ("{a,m}", Excluded("a"), Excluded("m")),
        ("[a,m}", Included("a"), Excluded("m")),
        ("{a,m]", Excluded("a"), Included("m")),
        ("  [ a b ,  m ]  ", Included("a b"), Included("m")),
        ("{20,*]", Excluded("20"), Unbounded),
        ("[*,m]", Unbounded, Included("m")),
        ("{ * , * }", Unbounded, Unbounded),
        ("[a,a]", Included("a"), Included("a")),
    ];
    for (raw, low, high) in cases {
        assert_eq!(
            ok(Field::UserName, raw),
            text_range(USER_NAME, low, high),
            "{raw}"
        );
    }
    assert_eq!(
        ok(Field::Phone, "[+86-138,+86-139}"),
        text_range(UserField::Phone, Included("+86-138"), Excluded("+86-139"))
    );
}

#[test]
fn statuses() {
    let normal = vec![
        UserState::Confirmed,
        UserState::ExternalProvider,
        UserState::ResetRequired,
        UserState::ForceChangePassword,
    ];
    let cases = [
        ("NORMAL", normal.clone()),
        (" \"normal\" ", normal),
        ("FREEZE", vec![UserState::Disabled]),
        ("Locked", vec![UserState::Locked]),
        ("\"NOT_ENABLED\"", vec![UserState::Unconfirmed]),
    ];
    for (raw, states) in cases {
        assert_eq!(
            ok(Field::Status, raw),
            UserCondition::StateIn(states),
            "{raw}"
        );
    }
}

#[test]
fn status_names_both_ways() {
    for s in UserState::ALL {
        let name = eiam_status(s);
        assert!(["NORMAL", "FREEZE", "LOCKED", "NOT_ENABLED"].contains(&name));
        assert!(states_for(name).unwrap().contains(&s));
    }
    assert_eq!(eiam_status(UserState::Disabled), "FREEZE");
    assert_eq!(eiam_status(UserState::ResetRequired), "NORMAL");
    assert_eq!(states_for("frozen"), None);
    assert_eq!(states_for(" NORMAL"), None);
}

#[test]
fn keyword_is_always_a_substring() {
    for raw in ["ali", "\"ali\"", "ali*", "  ali  "] {
        assert_eq!(
            ok(Field::Keyword, raw),
            UserCondition::Keyword("ali".into()),
            "{raw}"
        );
    }
    assert_eq!(
        ok(Field::Keyword, "\"a*\""),
        UserCondition::Keyword("a*".into())
    );
}

#[test]
fn a_plain_time_is_an_instant() {
    for raw in [
        "2021-01-13T09:44:07.182+0000",
        "\"2021-01-13T09:44:07.182Z\"",
        "2021-01-13T17:44:07.182+08:00",
    ] {
        assert_eq!(
            ok(Field::CreationTime, raw),
            time_range(UserField::CreateTime, Included(T), Included(T)),
            "{raw}"
        );
    }
    assert_eq!(
        ok(Field::LastUpdateTime, "2021-01-13T09:44:07Z"),
        time_range(UserField::UpdateTime, Included(T - 182), Included(T - 182))
    );
}

#[test]
fn a_plain_date_is_its_utc_day() {
    assert_eq!(
        ok(Field::CreationTime, "2021-01-13"),
        time_range(UserField::CreateTime, Included(D13), Excluded(D14))
    );
    assert_eq!(
        ok(Field::CreationTime, "9999-12-31"),
        time_range(UserField::CreateTime, Included(LAST_DAY), Unbounded)
    );
}

#[test]
fn time_ranges() {
    let cases = [
        ("{2021-01-13T09:44:07.182+0000,*]", Excluded(T), Unbounded),
        ("[*, 2021-01-13T17:44:07.182+08:00]", Unbounded, Included(T)),
        (
            "[2021-01-13T09:44:07.182Z,2021-01-13T09:44:07.182Z]",
            Included(T),
            Included(T),
        ),
        (
            "[2021-01-13T00:00Z,2021-01-14T00:00Z}",
            Included(D13),
            Excluded(D14),
        ),
        // A date as a range end covers its whole day: closed includes it, open excludes it.
        ("[2021-01-13,2021-01-14]", Included(D13), Excluded(D15)),
        ("{2021-01-13,2021-01-14]", Included(D14), Excluded(D15)),
        ("[2021-01-13,2021-01-14}", Included(D13), Excluded(D14)),
        ("{2021-01-12,2021-01-14}", Included(D13), Excluded(D14)),
        ("[2021-01-01,2021-01-31]", Included(JAN_1), Excluded(FEB_1)),
        ("{2021-01-13,*]", Included(D14), Unbounded),
        ("[*,9999-12-31]", Unbounded, Unbounded),
        (
            "[2021-01-13,2021-01-13T09:44:07.182Z]",
            Included(D13),
            Included(T),
        ),
    ];
    for (raw, low, high) in cases {
        assert_eq!(
            ok(Field::CreationTime, raw),
            time_range(UserField::CreateTime, low, high),
            "{raw}"
        );
    }
}

#[test]
fn criteria_all_hold_and_blanks_are_skipped() {
    let c = SearchCriteria {
        user_name: Some("al*".into()),
        status: Some("LOCKED".into()),
        email: Some(String::new()),
        phone: Some("   ".into()),
        keyword: Some("x".into()),
        ..SearchCriteria::default()
    };
    assert_eq!(
        parse_criteria(&c).unwrap(),
        vec![
            text(USER_NAME, Prefix("al".into())),
            UserCondition::StateIn(vec![UserState::Locked]),
            UserCondition::Keyword("x".into()),
        ]
    );
    assert_eq!(parse_criteria(&SearchCriteria::default()).unwrap(), vec![]);
}

#[test]
fn criteria_stop_at_the_first_faulty_field() {
    let c = SearchCriteria {
        phone: Some("[1,2".into()),
        creation_time: Some("soon".into()),
        ..SearchCriteria::default()
    };
    let e = parse_criteria(&c).unwrap_err();
    assert_eq!((e.field.as_str(), e.offset), ("Phone", 4));
}

#[test]
fn the_longest_value_passes() {
    let v = "x".repeat(crate::MAX_VALUE_LEN);
    assert_eq!(
        ok(Field::UserName, &v),
        text(USER_NAME, Contains(v.clone()))
    );
    assert!(parse_value(Field::UserName, &format!("{v}x")).is_err());
}
