//! The space of list requests, generated rather than hand-picked: every search field alone
//! (each match mode: exact, prefix, range, keyword, narrow and wide), every pair of fields,
//! every sort key in both directions, and offsets from the first page to the deepest the
//! target covers. Each shape is sent a few times over one connection; the report names the
//! worst shapes by p99.

use std::time::Duration;

use crate::client::{Case, Dialect, iso};
use crate::seed::{Seeded, T0};

/// One value of one search field.
#[derive(Clone)]
struct Term {
    field: &'static str,
    label: &'static str,
    /// The wire value: a JSON string (EIAM) or a JSON fragment `"Field": value` (Volcengine).
    value: String,
}

fn term(field: &'static str, label: &'static str, value: impl Into<String>) -> Term {
    Term {
        field,
        label,
        value: value.into(),
    }
}

fn at(user: i64) -> String {
    iso(T0 + user * 1000)
}

/// The EIAM `SearchCondition` values, over the seeded data (user `i` is `user{i:07}`, phone
/// `+86139{i:08}`, created `i` s after T0; members are every `users / group_size`-th user).
fn eiam_terms(users: i64) -> Vec<Term> {
    let mid = users / 2;
    vec![
        // A quoted value is an exact match; a bare one matches anywhere in the value.
        term("UserName", "exact", format!(r#"\"user{:07}\""#, mid)),
        term("UserName", "contains", format!("{:05}", mid / 100)),
        term("UserName", "prefix 1%", format!("user{:05}*", mid / 100)),
        term("UserName", "prefix all", "user*"),
        term("Phone", "exact", format!(r#"\"+86139{:08}\""#, mid)),
        term(
            "Phone",
            "prefix 10%",
            format!("+86139{:03}*", mid / 100_000),
        ),
        term("Email", "exact", format!(r#"\"user{mid}@bench.test\""#)),
        term("Email", "prefix 11%", "user1*"),
        term("Status", "NORMAL", "NORMAL"),
        term("Status", "FREEZE", "FREEZE"),
        term("Status", "LOCKED", "LOCKED"),
        term(
            "CreationTime",
            "1% window",
            format!("[{},{}}}", at(mid), at(mid + users / 100)),
        ),
        term(
            "CreationTime",
            "open after 10%",
            format!("{{{},*]", at(users / 10)),
        ),
        term(
            "LastUpdateTime",
            "1% window",
            format!("[{},{}}}", at(mid), at(mid + users / 100)),
        ),
        term(
            "LastUpdateTime",
            "open before half",
            format!("[*,{}}}", at(mid)),
        ),
        term("Keyword", "narrow", format!("user{:05}", mid / 100)),
        term("Keyword", "wide", "user"),
    ]
}

/// Conditions: none, each term alone, and each pair of terms on different fields.
fn combinations(terms: &[Term]) -> Vec<Vec<Term>> {
    let mut out = vec![Vec::new()];
    out.extend(terms.iter().map(|t| vec![t.clone()]));
    for (i, a) in terms.iter().enumerate() {
        for b in &terms[i + 1..] {
            if a.field != b.field {
                out.push(vec![a.clone(), b.clone()]);
            }
        }
    }
    out
}

fn describe(terms: &[Term]) -> String {
    if terms.is_empty() {
        return "no condition".to_owned();
    }
    terms
        .iter()
        .map(|t| format!("{} {}", t.field, t.label))
        .collect::<Vec<_>>()
        .join(" + ")
}

const EIAM_SORTS: &[&str] = &[
    "UserName",
    "DisplayName",
    "Phone",
    "Email",
    "Status",
    "CreatedDate",
    "LastModifiedDate",
];

/// Every ListUsersInUserGroup shape: conditions × sort key × direction × offset.
pub fn group_shapes(seeded: &Seeded, users: i64, offsets: &[u64]) -> Vec<Case> {
    let gid = seeded.group.as_str();
    let mut cases = Vec::new();
    for terms in combinations(&eiam_terms(users)) {
        let condition = terms
            .iter()
            .map(|t| format!(r#""{}": "{}""#, t.field, t.value))
            .collect::<Vec<_>>()
            .join(", ");
        for sort in EIAM_SORTS {
            for order in ["ASC", "DESC"] {
                for offset in offsets {
                    cases.push(Case {
                        name: format!("{} | {sort} {order} | Offset {offset}", describe(&terms)),
                        action: "ListUsersInUserGroup",
                        dialect: Dialect::Eiam,
                        bodies: vec![format!(
                            r#"{{"UserGroupId": "{gid}", "SearchCondition": {{{condition}}}, "Sort": {{"SortKey": "{sort}", "SortOrder": "{order}"}}, "Offset": {offset}, "Limit": 100}}"#
                        )],
                        min_results: 0,
                    });
                }
            }
        }
    }
    cases
}

/// The Volcengine `ListUsers` filter values over the same data.
fn volc_terms(users: i64, seeded: &Seeded) -> Vec<Term> {
    let mid = users / 2;
    vec![
        term(
            "PreferredUsername",
            "exact",
            format!(r#""PreferredUsername": "user{mid:07}""#),
        ),
        term(
            "Email",
            "exact",
            format!(r#""Email": "user{mid}@bench.test""#),
        ),
        term(
            "PhoneNumber",
            "exact",
            format!(r#""PhoneNumber": "+86139{mid:08}""#),
        ),
        term("Name", "contains 1/26", r#""Name": "Zoe""#),
        term("Name", "contains rare", r#""Name": "Zoe Zhou""#),
        term(
            "GroupUid",
            "10%",
            format!(r#""GroupUid": "{}""#, seeded.group.as_str()),
        ),
        term("NotInAnyGroup", "90%", r#""NotInAnyGroup": true"#),
        term("NameIsNullOrEmpty", "none", r#""NameIsNullOrEmpty": true"#),
        term(
            "EmailIsNullOrEmpty",
            "all",
            r#""EmailIsNullOrEmpty": false"#,
        ),
    ]
}

const VOLC_SORTS: &[&str] = &[
    "CreateTime",
    "UpdateTime",
    "PreferredUsername",
    "Name",
    "Email",
    "PhoneNumber",
    "Nickname",
    "LatestLogin",
];

/// Every ListUsers shape on the large pool: filters × sort field × direction × page.
pub fn pool_shapes(seeded: &Seeded, users: i64, offsets: &[u64]) -> Vec<Case> {
    let pool = seeded.pool.as_str();
    let mut cases = Vec::new();
    for terms in combinations(&volc_terms(users, seeded)) {
        let filter = terms
            .iter()
            .map(|t| t.value.clone())
            .collect::<Vec<_>>()
            .join(", ");
        for sort in VOLC_SORTS {
            for order in ["Asc", "Desc"] {
                for offset in offsets {
                    let page = offset / 100 + 1;
                    cases.push(Case {
                        name: format!("{} | {sort} {order} | Page {page}", describe(&terms)),
                        action: "ListUsers",
                        dialect: Dialect::Volc,
                        bodies: vec![format!(
                            r#"{{"UserPoolUid": "{pool}", "Filter": {{{filter}}}, "SortField": "{sort}", "SortDirection": "{order}", "PageNumber": {page}, "PageSize": 100}}"#
                        )],
                        min_results: 0,
                    });
                }
            }
        }
    }
    cases
}

/// Keeps every `n`-th shape of `cases`, starting at `start` (a deterministic sample of the
/// whole space: each sort and condition set still appears across samples).
pub fn sample(cases: Vec<Case>, every: usize, start: usize) -> Vec<Case> {
    cases
        .into_iter()
        .enumerate()
        .filter(|(i, _)| every <= 1 || i % every == start % every)
        .map(|(_, c)| c)
        .collect()
}

/// One shape's latencies, sorted.
pub struct Measured {
    pub name: String,
    pub latencies: Vec<Duration>,
}

impl Measured {
    pub fn p(&self, p: f64) -> Duration {
        crate::percentile(&self.latencies, p)
    }
}

/// Prints the worst `top` shapes by p99 and how many exceed each bound.
pub fn report(label: &str, mut measured: Vec<Measured>, top: usize) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    measured.sort_by_key(|m| std::cmp::Reverse(m.p(99.0)));
    let over = |bound: f64| measured.iter().filter(|m| ms(m.p(99.0)) >= bound).count();
    println!(
        "{label}: {} shapes; p99 >= 10 ms: {}, >= 25 ms: {}, >= 100 ms: {}",
        measured.len(),
        over(10.0),
        over(25.0),
        over(100.0)
    );
    for m in measured.iter().take(top) {
        println!(
            "  p50 {:7.2} ms  p99 {:7.2} ms  {}",
            ms(m.p(50.0)),
            ms(m.p(99.0)),
            m.name
        );
    }
}
