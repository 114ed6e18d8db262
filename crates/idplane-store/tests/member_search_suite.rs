//! One group's members searched under every member condition (exact, prefix, contains, range,
//! state, keyword; alone and in pairs), sorted on every member key in both directions, at
//! shallow and deep offsets — each answer checked against the same search worked out in Rust
//! from the users themselves, whatever plan the store chose. Then the keys the membership rows
//! carry are checked to follow the users' updates. Run against SQLite and PostgreSQL;
//! PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::ops::Bound;

use idplane_core::ids::{GroupUid, UserUid};
use idplane_core::model::user::{User, UserState, UserWrite, display_name};
use idplane_core::query::*;
use idplane_core::store::*;
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{group, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    member_searches_match_the_reference,
    member_keys_follow_users
);

const STATES: [UserState; 4] = [
    UserState::Confirmed,
    UserState::Disabled,
    UserState::Locked,
    UserState::Unconfirmed,
];

fn varied(scope: &PoolScope, i: i64) -> User {
    // Mixed case, shared prefixes, and a few users without a user name, e-mail or phone.
    let username =
        (i % 23 != 0).then(|| format!("{}{:03}", ["Ann", "bob", "Cy"][(i % 3) as usize], i));
    let mut u = user(scope, username.as_deref(), (i * 7919) % 1000);
    u.updated_at = ts((i * 104_729) % 997);
    u.profile.name =
        (i % 5 != 0).then(|| ["Same", "Other", "Zed", "ann"][(i % 4) as usize].to_owned());
    u.profile.email =
        (i % 6 != 0).then(|| format!("{}{i}@Example.test", ["U", "v"][(i % 2) as usize]));
    u.profile.phone_number = (i % 7 != 0).then(|| format!("+86138{:08}", (i * 7_919) % 10_000_000));
    u.state = STATES[(i % 4) as usize];
    u
}

/// A member's value of `field` as searches and sorts see it.
fn key(u: &User, field: UserField) -> Value {
    let text = |v: &Option<String>| Value::Text(v.clone().unwrap_or_default());
    let p = &u.profile;
    match field {
        UserField::Username => Value::Text(
            p.preferred_username
                .clone()
                .unwrap_or_default()
                .to_lowercase(),
        ),
        UserField::Email => Value::Text(p.email.clone().unwrap_or_default().to_lowercase()),
        UserField::Phone => text(&p.phone_number),
        UserField::State => Value::Text(u.state.as_str().to_owned()),
        UserField::DisplayName => Value::Text(display_name(&p.name, &p.preferred_username)),
        UserField::CreateTime => Value::Int(u.created_at.millis()),
        UserField::UpdateTime => Value::Int(u.updated_at.millis()),
        // Not on membership rows: conditions on it read the user.
        UserField::Name => text(&p.name),
        other => panic!("not a member key: {other:?}"),
    }
}

/// A user's value of `field` as the pool's lists sort on it: the user name and e-mail address
/// as written (member rows keep them lower-cased).
fn pool_key(u: &User, field: UserField) -> Value {
    match field {
        UserField::Username => {
            Value::Text(u.profile.preferred_username.clone().unwrap_or_default())
        }
        UserField::Email => Value::Text(u.profile.email.clone().unwrap_or_default()),
        other => key(u, other),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Int(i64),
    Text(String),
}

fn holds(c: &UserCondition, u: &User) -> bool {
    match c {
        UserCondition::Text { field, matches } => {
            let Value::Text(v) = key(u, *field) else {
                panic!()
            };
            let lower = matches!(field, UserField::Username | UserField::Email);
            let norm = |s: &str| {
                if lower {
                    s.to_lowercase()
                } else {
                    s.to_owned()
                }
            };
            match matches {
                TextMatch::Exact(x) => v == norm(x),
                TextMatch::Prefix(x) => v.starts_with(&norm(x)),
                TextMatch::Contains(x) => v.contains(&norm(x)),
            }
        }
        UserCondition::Range { field, low, high } => {
            let v = key(u, *field);
            let bound = |r: &RangeValue| match r {
                RangeValue::Time(t) => Value::Int(t.millis()),
                RangeValue::Text(t) => Value::Text(t.to_lowercase()),
            };
            let above = match low {
                Bound::Included(r) => v >= bound(r),
                Bound::Excluded(r) => v > bound(r),
                Bound::Unbounded => true,
            };
            let below = match high {
                Bound::Included(r) => v <= bound(r),
                Bound::Excluded(r) => v < bound(r),
                Bound::Unbounded => true,
            };
            above && below
        }
        UserCondition::StateIn(states) => states.contains(&u.state),
        UserCondition::Keyword(k) => {
            let k = k.to_lowercase();
            let Value::Text(name) = key(u, UserField::Username) else {
                panic!()
            };
            name.contains(&k) || u.uid.as_str().to_lowercase().contains(&k)
        }
        other => panic!("not a member condition: {other:?}"),
    }
}

fn conditions(sample: &User) -> Vec<UserCondition> {
    let text = |field, matches| UserCondition::Text { field, matches };
    let time = |field, low: i64, high: Option<i64>| UserCondition::Range {
        field,
        low: Bound::Included(RangeValue::Time(ts(low))),
        high: high.map_or(Bound::Unbounded, |h| {
            Bound::Excluded(RangeValue::Time(ts(h)))
        }),
    };
    let uid = sample.uid.as_str();
    vec![
        text(UserField::Username, TextMatch::Exact("ANN003".into())),
        text(UserField::Username, TextMatch::Prefix("b".into())),
        text(UserField::Username, TextMatch::Prefix("cy1".into())),
        text(UserField::Email, TextMatch::Exact("V5@example.TEST".into())),
        text(UserField::Email, TextMatch::Prefix("u".into())),
        text(UserField::Phone, TextMatch::Prefix("+86138000".into())),
        text(
            UserField::Phone,
            TextMatch::Exact(sample.profile.phone_number.clone().unwrap_or_default()),
        ),
        UserCondition::StateIn(vec![UserState::Confirmed]),
        UserCondition::StateIn(vec![UserState::Disabled, UserState::Locked]),
        time(UserField::CreateTime, 100, Some(400)),
        time(UserField::CreateTime, 500, None),
        time(UserField::UpdateTime, 0, Some(300)),
        UserCondition::Range {
            field: UserField::Username,
            low: Bound::Excluded(RangeValue::Text("B".into())),
            high: Bound::Unbounded,
        },
        UserCondition::Keyword("n0".into()),
        UserCondition::Keyword(uid[uid.len() - 6..].to_uppercase()),
    ]
}

const SORTS: [UserField; 7] = [
    UserField::Username,
    UserField::DisplayName,
    UserField::Phone,
    UserField::Email,
    UserField::State,
    UserField::CreateTime,
    UserField::UpdateTime,
];

/// Runs every condition set of `sets` under every sort key, direction and offset, within
/// `group` (or the whole pool), and checks each page and total against `population` filtered
/// and sorted here by `key`. Answers how many pages were checked.
async fn check_searches(
    store: &SqlStore,
    scope: &PoolScope,
    sets: &[Vec<UserCondition>],
    population: &[User],
    group: Option<&GroupUid>,
    key: fn(&User, UserField) -> Value,
    offsets: &[u64],
) -> usize {
    let mut checked = 0;
    for set in sets {
        let matching: Vec<&User> = population
            .iter()
            .filter(|u| set.iter().all(|c| holds(c, u)))
            .collect();
        for field in SORTS {
            for direction in [SortDirection::Asc, SortDirection::Desc] {
                let mut want: Vec<(Value, &str)> = matching
                    .iter()
                    .map(|u| (key(u, field), u.uid.as_str()))
                    .collect();
                want.sort();
                if direction == SortDirection::Desc {
                    want.reverse();
                }
                for &offset in offsets {
                    let mut conditions: Vec<UserCondition> = group
                        .map(|g| UserCondition::InGroup(g.clone()))
                        .into_iter()
                        .collect();
                    conditions.extend(set.iter().cloned());
                    let query = UserQuery {
                        conditions,
                        sort: UserSort { field, direction },
                        paging: Paging::Offset { offset, limit: 30 },
                    };
                    let page = store.query_user_summaries(scope, &query).await.unwrap();
                    let got: Vec<&str> = page.items.iter().map(|u| u.uid.as_str()).collect();
                    let expected: Vec<&str> = want
                        .iter()
                        .skip(offset as usize)
                        .take(30)
                        .map(|(_, uid)| *uid)
                        .collect();
                    assert_eq!(
                        page.total as usize,
                        want.len(),
                        "{group:?} {set:?} {field:?} {direction:?}"
                    );
                    assert_eq!(
                        got, expected,
                        "{group:?} {set:?} by {field:?} {direction:?} from {offset}"
                    );
                    checked += 1;
                }
            }
        }
    }
    checked
}

async fn member_searches_match_the_reference(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "searched");
    store.insert_group(&scope, &g).await.unwrap();
    let mut members = Vec::new();
    let mut everyone = Vec::new();
    for i in 0..1_400i64 {
        let u = varied(&scope, i);
        store.insert_user(&scope, &u).await.unwrap();
        everyone.push(u.clone());
        if i % 4 != 3 {
            members.push(u);
        }
    }
    let uids: Vec<UserUid> = members.iter().map(|u| u.uid.clone()).collect();
    store
        .add_group_members(&scope, &g.uid, &uids, ts(0))
        .await
        .unwrap();
    let singles = conditions(&members[17]);
    let mut sets: Vec<Vec<UserCondition>> = vec![Vec::new()];
    sets.extend(singles.iter().map(|c| vec![c.clone()]));
    for (i, a) in singles.iter().enumerate() {
        for b in singles[i + 1..].iter().step_by(3) {
            sets.push(vec![a.clone(), b.clone()]);
        }
    }
    let checked = check_searches(
        &store,
        &scope,
        &sets,
        &members,
        Some(&g.uid),
        key,
        &[0, 7, 990, 1_020],
    )
    .await;
    assert!(checked > 1_000);
    // The same searches over the whole pool (no group): the pool's planner reads a few
    // matches sorted and walks the sort index for many, and both agree with the reference.
    check_searches(
        &store,
        &scope,
        &sets,
        &everyone,
        None,
        pool_key,
        &[0, 13, 1_380],
    )
    .await;
    // Within the group, a condition the membership rows do not carry (the user's name) reads
    // the users too: the planner reads few matches sorted and walks the sort index for many.
    let name = |matches| UserCondition::Text {
        field: UserField::Name,
        matches,
    };
    let named = vec![
        vec![name(TextMatch::Contains("e".into()))],
        vec![name(TextMatch::Exact("Zed".into()))],
        vec![
            name(TextMatch::Contains("nn".into())),
            UserCondition::StateIn(vec![UserState::Confirmed]),
        ],
        vec![name(TextMatch::Exact("Zed".into())), singles[1].clone()],
        vec![name(TextMatch::Contains("e".into())), singles[9].clone()],
        vec![name(TextMatch::Exact("Nobody".into()))],
    ];
    let checked = check_searches(
        &store,
        &scope,
        &named,
        &members,
        Some(&g.uid),
        key,
        &[0, 13, 400, 1_020],
    )
    .await;
    assert_eq!(checked, named.len() * SORTS.len() * 2 * 4);
    // Another pool's administrator names this group: nothing is found, whatever the plan
    // (OWASP ASVS 4.0 V4.2.1, access to another tenant's records by identifier).
    let (stranger, _) = new_pool(&store, "acct").await;
    for offset in [0u64, 1_020] {
        let query = UserQuery {
            conditions: vec![
                UserCondition::InGroup(g.uid.clone()),
                UserCondition::StateIn(vec![UserState::Confirmed]),
            ],
            sort: UserSort {
                field: UserField::Phone,
                direction: SortDirection::Asc,
            },
            paging: Paging::Offset { offset, limit: 30 },
        };
        let page = store.query_user_summaries(&stranger, &query).await.unwrap();
        assert_eq!((page.total, page.items.len()), (0, 0));
    }
}

async fn member_keys_follow_users(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "followed");
    store.insert_group(&scope, &g).await.unwrap();
    let mut u = varied(&scope, 1);
    store.insert_user(&scope, &u).await.unwrap();
    store
        .add_group_members(&scope, &g.uid, std::slice::from_ref(&u.uid), ts(0))
        .await
        .unwrap();
    u.profile.email = Some("Moved@Example.test".into());
    u.profile.phone_number = Some("+8613999999999".into());
    u.state = UserState::Disabled;
    u.updated_at = ts(5_000);
    store
        .update_user(
            &scope,
            &u,
            UserWrite {
                ends_access: true,
                clears_lockout: false,
            },
        )
        .await
        .unwrap();
    let find = |c: UserCondition| {
        let query = UserQuery {
            conditions: vec![UserCondition::InGroup(g.uid.clone()), c],
            sort: UserSort {
                field: UserField::Email,
                direction: SortDirection::Asc,
            },
            paging: Paging::Offset {
                offset: 0,
                limit: 10,
            },
        };
        let store = &store;
        let scope = &scope;
        async move {
            store
                .query_user_summaries(scope, &query)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|s| s.uid)
                .collect::<HashSet<_>>()
        }
    };
    let only = HashSet::from([u.uid.clone()]);
    let text = |field, v: &str| UserCondition::Text {
        field,
        matches: TextMatch::Exact(v.into()),
    };
    assert_eq!(
        find(text(UserField::Email, "moved@example.TEST")).await,
        only
    );
    assert_eq!(find(text(UserField::Phone, "+8613999999999")).await, only);
    assert_eq!(
        find(UserCondition::StateIn(vec![UserState::Disabled])).await,
        only
    );
    assert!(
        find(UserCondition::StateIn(vec![UserState::Locked]))
            .await
            .is_empty()
    );
    let updated = UserCondition::Range {
        field: UserField::UpdateTime,
        low: Bound::Included(RangeValue::Time(ts(5_000))),
        high: Bound::Unbounded,
    };
    assert_eq!(find(updated).await, only);
}
