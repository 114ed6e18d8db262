//! User search: each `UserCondition` as an indexed SQL condition, and the sort keys.

use std::ops::Bound;

use idplane_core::query::{RangeValue, TextMatch, UserCondition, UserField, UserSort};

use crate::paging::{KeyKind, SortSpec};
use crate::pools::text_condition;
use crate::sql::{Bind, Sql, like_escape};

/// The column of a field, and whether it is text compared case-insensitively.
fn column(field: UserField) -> (&'static str, KeyKind) {
    match field {
        UserField::Uid => ("u.uid", KeyKind::Text),
        UserField::Username => ("u.preferred_username", KeyKind::Text),
        UserField::Email => ("u.email", KeyKind::Text),
        UserField::Phone => ("u.phone_number", KeyKind::Text),
        UserField::Name => ("u.name", KeyKind::Text),
        UserField::GivenName => ("u.given_name", KeyKind::Text),
        UserField::FamilyName => ("u.family_name", KeyKind::Text),
        UserField::MiddleName => ("u.middle_name", KeyKind::Text),
        UserField::Nickname => ("u.nickname", KeyKind::Text),
        UserField::Gender => ("u.gender", KeyKind::Text),
        UserField::Locale => ("u.locale", KeyKind::Text),
        UserField::Website => ("u.website", KeyKind::Text),
        UserField::DisplayName => ("u.display_name", KeyKind::Text),
        UserField::State => ("u.state", KeyKind::Text),
        UserField::CreateTime => ("u.created_at", KeyKind::Int),
        UserField::UpdateTime => ("u.updated_at", KeyKind::Int),
        UserField::LatestLogin => ("u.latest_login", KeyKind::Int),
    }
}

/// Usernames and emails are unique regardless of case, so they also match regardless of case.
fn case_insensitive(field: UserField) -> bool {
    matches!(field, UserField::Username | UserField::Email)
}

/// The sort of a user list. Within one group (`grouped`), display names come from the
/// membership rows, whose index holds them in order.
pub fn sort_spec(sort: UserSort, grouped: bool) -> SortSpec {
    let member_key = match sort.field {
        UserField::DisplayName => Some(("gm.display_name", KeyKind::Text)),
        field => member_column(field).map(|c| (c, column(field).1)),
    };
    let (expr, kind, tiebreak) = match member_key {
        Some((expr, kind)) if grouped => (expr, kind, "gm.user_uid"),
        _ => {
            let (expr, kind) = column(sort.field);
            (expr, kind, "u.uid")
        }
    };
    SortSpec {
        expr,
        kind,
        tiebreak,
        direction: sort.direction,
    }
}

/// The membership row's copy of a user's field, compared by a condition on that field within
/// one group and sorted on: the lower-cased user name and e-mail address, the phone number,
/// the state, and the creation and update times. (The display name is carried too, but only as
/// a sort key: conditions on it read the user.)
pub fn member_column(field: UserField) -> Option<&'static str> {
    match field {
        UserField::Username => Some("gm.username"),
        UserField::Email => Some("gm.email"),
        UserField::Phone => Some("gm.phone"),
        UserField::State => Some("gm.state"),
        UserField::CreateTime => Some("gm.user_created_at"),
        UserField::UpdateTime => Some("gm.user_updated_at"),
        _ => None,
    }
}

/// The membership index holding one group's members in the order of the member sort key
/// `expr` (each leads with the group; see migrations 0009 and 0017).
pub fn member_sort_index(expr: &str) -> Option<&'static str> {
    match expr {
        "gm.username" => Some("group_members_username"),
        "gm.display_name" => Some("group_members_display_name"),
        "gm.phone" => Some("group_members_phone"),
        "gm.email" => Some("group_members_email"),
        "gm.state" => Some("group_members_state"),
        "gm.user_created_at" => Some("group_members_user_created"),
        "gm.user_updated_at" => Some("group_members_user_updated"),
        _ => None,
    }
}

/// The membership keys a condition reads within one group, or `None` when it reads the user
/// row (or is the group itself).
fn member_keys_of(c: &UserCondition) -> Option<Vec<&'static str>> {
    match c {
        UserCondition::Text { field, .. } | UserCondition::Range { field, .. } => {
            member_column(*field).map(|k| vec![k])
        }
        UserCondition::StateIn(_) => Some(vec!["gm.state"]),
        UserCondition::Keyword(_) => Some(vec!["gm.username", "gm.user_uid"]),
        _ => None,
    }
}

/// Whether, within one group, `c` is decided on the membership row alone.
pub fn on_member_row(c: &UserCondition) -> bool {
    member_keys_of(c).is_some()
}

/// Whether the users table has an index that finds `c`'s matches across a pool without
/// reading every user: exact and prefix matches, ranges and empty values of an indexed field, uids,
/// memberships and custom attribute values. Only then can counting the matches up to a cap
/// (the pool planner's first statement) stop early; otherwise every user is read either way.
pub fn index_driven(c: &UserCondition) -> bool {
    let indexed = |f: UserField| {
        matches!(
            f,
            UserField::Username
                | UserField::Email
                | UserField::Phone
                | UserField::Name
                | UserField::Nickname
                | UserField::DisplayName
                | UserField::CreateTime
                | UserField::UpdateTime
                | UserField::LatestLogin
        )
    };
    match c {
        UserCondition::Text { field, matches } => {
            indexed(*field) && !matches!(matches, TextMatch::Contains(_))
        }
        UserCondition::Range { field, .. } => indexed(*field),
        // An empty value is one key of the field's index; a non-empty one is nearly all.
        UserCondition::Empty { field, empty } => *empty && indexed(*field),
        UserCondition::UidIn(_)
        | UserCondition::InGroup(_)
        | UserCondition::InAnyGroup(_)
        | UserCondition::InDepartment { .. }
        | UserCondition::Attributes(_) => true,
        UserCondition::StateIn(_)
        | UserCondition::Keyword(_)
        | UserCondition::NotInAnyGroup
        | UserCondition::NotInAnyDepartment
        | UserCondition::Duplicated(_)
        | UserCondition::AttributesAsked(_) => false,
    }
}

/// Whether, within one group, a condition is on a member key other than the sort's: no
/// index then holds the matches in order (a deep page of them is selected from their keys,
/// see `member_select`).
pub fn filters_other_member_key(conditions: &[UserCondition], spec: &SortSpec) -> bool {
    conditions
        .iter()
        .filter_map(member_keys_of)
        .any(|keys| keys.iter().any(|k| *k != spec.expr))
}

/// The expression a text condition on `field` compares, and whether values are lower-cased
/// for it. Within one group the member rows carry the lower-cased user name and the times.
fn target(field: UserField, grouped: bool) -> (String, bool) {
    let (col, _) = column(field);
    if let Some(member) = member_column(field).filter(|_| grouped) {
        (member.to_owned(), case_insensitive(field))
    } else if case_insensitive(field) {
        // `col <> ''` lets the partial unique index on lower(col) serve the search.
        (format!("lower({col})"), true)
    } else {
        (col.to_owned(), false)
    }
}

fn text_of(m: &TextMatch) -> &str {
    match m {
        TextMatch::Exact(v) | TextMatch::Prefix(v) | TextMatch::Contains(v) => v,
    }
}

/// ` AND col <> ''` for the login attributes searched through their partial indexes.
fn partial_index_hint(sql: &mut Sql, field: UserField, grouped: bool) {
    if case_insensitive(field) && !(grouped && member_column(field).is_some()) {
        let (col, _) = column(field);
        sql.push(&format!(" AND {col} <> ''"));
    }
}

fn bind_range(sql: &mut Sql, value: &RangeValue, ci: bool) -> String {
    match value {
        RangeValue::Text(t) if ci => sql.param(Bind::Text(t.to_lowercase())),
        RangeValue::Text(t) => sql.param(Bind::Text(t.clone())),
        RangeValue::Time(t) => sql.param(Bind::Int(t.millis())),
    }
}

/// `(p1, p2, …)` of text parameters, or `(NULL)` for none.
fn in_list(sql: &mut Sql, values: impl Iterator<Item = String>) -> String {
    let params: Vec<String> = values.map(|v| sql.text_param(v)).collect();
    if params.is_empty() {
        "(NULL)".to_owned()
    } else {
        format!("({})", params.join(", "))
    }
}

/// Appends ` AND …` for one condition; `grouped` when the query joins one group's members
/// as `gm`.
pub fn condition(sql: &mut Sql, c: &UserCondition, grouped: bool, pool: &str) {
    match c {
        UserCondition::Text { field, matches } => {
            let (expr, lower) = target(*field, grouped);
            if lower {
                let lowered = match matches {
                    TextMatch::Exact(v) => TextMatch::Exact(v.to_lowercase()),
                    TextMatch::Prefix(v) => TextMatch::Prefix(v.to_lowercase()),
                    TextMatch::Contains(v) => TextMatch::Contains(v.to_lowercase()),
                };
                if !matches!(matches, TextMatch::Contains(_)) {
                    partial_index_hint(sql, *field, grouped);
                }
                text_condition(sql, &expr, &lowered);
            } else {
                if *field == UserField::Phone
                    && !grouped
                    && !matches!(matches, TextMatch::Contains(_))
                    && !text_of(matches).is_empty()
                {
                    // Only users with a phone number match: the partial unique index serves.
                    sql.push(" AND u.phone_number <> ''");
                }
                text_condition(sql, &expr, matches);
            }
        }
        UserCondition::Empty { field, empty } => {
            let (col, kind) = column(*field);
            let blank = if kind == KeyKind::Int { "0" } else { "''" };
            let op = if *empty { "=" } else { "<>" };
            sql.push(&format!(" AND {col} {op} {blank}"));
        }
        UserCondition::Range { field, low, high } => {
            let (target, ci) = target(*field, grouped);
            partial_index_hint(sql, *field, grouped);
            match low {
                Bound::Included(v) => {
                    let p = bind_range(sql, v, ci);
                    sql.push(&format!(" AND {target} >= {p}"));
                }
                Bound::Excluded(v) => {
                    let p = bind_range(sql, v, ci);
                    sql.push(&format!(" AND {target} > {p}"));
                }
                Bound::Unbounded => {}
            }
            match high {
                Bound::Included(v) => {
                    let p = bind_range(sql, v, ci);
                    sql.push(&format!(" AND {target} <= {p}"));
                }
                Bound::Excluded(v) => {
                    let p = bind_range(sql, v, ci);
                    sql.push(&format!(" AND {target} < {p}"));
                }
                Bound::Unbounded => {}
            }
        }
        UserCondition::StateIn(states) => {
            let list = in_list(sql, states.iter().map(|s| s.as_str().to_owned()));
            let col = if grouped { "gm.state" } else { "u.state" };
            sql.push(&format!(" AND {col} IN {list}"));
        }
        UserCondition::UidIn(uids) => {
            let list = in_list(sql, uids.iter().map(|u| u.as_str().to_owned()));
            sql.push(&format!(" AND u.uid IN {list}"));
        }
        UserCondition::Keyword(k) => {
            let pattern = format!("%{}%", like_escape(&k.to_lowercase()));
            let p1 = sql.text_param(pattern.clone());
            let p2 = sql.text_param(pattern);
            let (username, uid) = if grouped {
                ("gm.username", "gm.user_uid")
            } else {
                ("lower(u.preferred_username)", "u.uid")
            };
            sql.push(&format!(
                " AND ({username} LIKE {p1} ESCAPE '\\' OR lower({uid}) LIKE {p2} ESCAPE '\\')"
            ));
        }
        UserCondition::InGroup(g) => {
            let p = sql.text_param(g.as_str());
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_uid = u.uid AND gm.group_uid = {p})"
            ));
        }
        UserCondition::InAnyGroup(gs) => {
            let list = in_list(sql, gs.iter().map(|g| g.as_str().to_owned()));
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_uid = u.uid AND gm.group_uid IN {list})"
            ));
        }
        UserCondition::NotInAnyGroup => {
            sql.push(" AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_uid = u.uid)");
        }
        UserCondition::InDepartment { uid, recursive } => {
            let p = sql.text_param(uid.as_str());
            if *recursive {
                sql.push(&format!(
                    " AND EXISTS (SELECT 1 FROM department_members dm \
                       JOIN departments sd ON sd.uid = dm.department_uid \
                       JOIN departments top ON top.uid = {p} \
                       WHERE dm.user_uid = u.uid AND sd.pool_uid = top.pool_uid \
                       AND sd.path >= top.path AND sd.path < top.path || '~')"
                ));
            } else {
                sql.push(&format!(
                    " AND EXISTS (SELECT 1 FROM department_members dm WHERE dm.user_uid = u.uid AND dm.department_uid = {p})"
                ));
            }
        }
        UserCondition::NotInAnyDepartment => {
            sql.push(
                " AND NOT EXISTS (SELECT 1 FROM department_members dm WHERE dm.user_uid = u.uid)",
            );
        }
        UserCondition::Attributes(filter) => {
            crate::attribute_values::condition(sql, pool, filter);
        }
        // Refused before a search is built (see `search_users`).
        UserCondition::AttributesAsked(_) => {
            sql.push(" AND 1 = 0");
        }
        UserCondition::Duplicated(field) => {
            let (col, _) = column(*field);
            let inner = col.replacen("u.", "o.", 1);
            let (l, r) = if case_insensitive(*field) {
                (format!("lower({inner})"), format!("lower({col})"))
            } else {
                (inner.clone(), col.to_owned())
            };
            sql.push(&format!(
                " AND {col} <> '' AND EXISTS (SELECT 1 FROM users o WHERE o.pool_uid = u.pool_uid AND o.uid <> u.uid AND {l} = {r})"
            ));
        }
    }
}
