//! The store suite for groups and their members — membership, member searches under every
//! filter and sort key, deep pages against cursor paging, member times and stored counts — run
//! against SQLite and PostgreSQL. PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where it is
//! unset they print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::ops::Bound;

use idplane_core::clock::Timestamp;
use idplane_core::error::{DomainError, GroupError, UserError};
use idplane_core::ids::{GroupUid, UserUid};
use idplane_core::model::user::{User, UserState, UserSummary, UserWrite};
use idplane_core::query::*;
use idplane_core::store::*;
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{all, group, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db, sqlite_migrated_by_sqlx};

store_tests!(
    groups_and_membership,
    group_member_search,
    deep_member_pages,
    group_member_times,
    member_times_backfilled,
    group_member_counts,
);

async fn groups_and_membership(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "admins");
    store.insert_group(&scope, &g).await.unwrap();
    assert!(matches!(
        store.insert_group(&scope, &group(&scope, "admins")).await,
        Err(DomainError::Group(GroupError::NameTaken))
    ));
    let users: Vec<User> = (0..5)
        .map(|i| user(&scope, Some(&format!("m{i}")), i))
        .collect();
    for u in &users {
        store.insert_user(&scope, u).await.unwrap();
    }
    let ids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    let missing = store
        .add_group_members(
            &scope,
            &g.uid,
            &[ids[0].clone(), UserUid::generate()],
            ts(0),
        )
        .await;
    assert!(matches!(
        missing,
        Err(DomainError::User(UserError::NotFound(_)))
    ));
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        0,
        "all or nothing"
    );
    store
        .add_group_members(&scope, &g.uid, &ids, ts(0))
        .await
        .unwrap();
    store
        .add_group_members(&scope, &g.uid, &ids[..2], ts(0))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        5
    );
    assert_eq!(
        store
            .get_user(&scope, &ids[0])
            .await
            .unwrap()
            .unwrap()
            .group_uids,
        vec![g.uid.clone()]
    );
    store
        .remove_group_members(&scope, &g.uid, &ids[..1])
        .await
        .unwrap();
    store.delete_user(&scope, &ids[1]).await.unwrap();
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        3
    );
    let query = GroupQuery {
        filter: GroupFilter {
            member: Some(ids[2].clone()),
            ..GroupFilter::default()
        },
        sort: (GroupSortField::Name, SortDirection::Asc),
        paging: Paging::Page {
            number: 1,
            size: 10,
        },
    };
    assert_eq!(store.query_groups(&scope, &query).await.unwrap().total, 1);
    assert!(store.delete_group(&scope, &g.uid).await.unwrap());
    for id in &ids[2..] {
        let u = store.get_user(&scope, id).await.unwrap().unwrap();
        assert!(u.group_uids.is_empty(), "deleting a group keeps its users");
    }
}

async fn group_member_search(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "searched");
    store.insert_group(&scope, &g).await.unwrap();
    let mut members = HashSet::new();
    for i in 0..90i64 {
        let mut u = user(
            &scope,
            Some(&format!("{}{i:03}", ["Ann", "bob"][(i % 2) as usize])),
            i,
        );
        u.profile.name = Some(["Same", "Other", "Zed"][(i % 3) as usize].to_owned());
        u.profile.email = (i % 4 != 0).then(|| format!("u{i}@example.test"));
        u.profile.phone_number = (i % 5 == 0).then(|| format!("+8613800{i:06}"));
        if i % 7 == 0 {
            u.state = UserState::Confirmed;
        }
        store.insert_user(&scope, &u).await.unwrap();
        if i % 3 != 2 {
            store
                .add_group_members(&scope, &g.uid, std::slice::from_ref(&u.uid), ts(0))
                .await
                .unwrap();
            members.insert(u.uid);
        }
    }
    let in_group = |extra: Vec<UserCondition>, field, direction, paging| {
        let mut conditions = vec![UserCondition::InGroup(g.uid.clone())];
        conditions.extend(extra);
        UserQuery {
            conditions,
            sort: UserSort { field, direction },
            paging,
        }
    };
    // Paging by display name within the group sees each member once.
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let mut seen = Vec::new();
        for number in 1..=10 {
            let q = in_group(
                vec![],
                UserField::DisplayName,
                direction,
                Paging::Page { number, size: 7 },
            );
            let page = store.query_users(&scope, &q).await.unwrap();
            assert_eq!(page.total, 60);
            let keys: Vec<_> = page.items.iter().map(|u| u.profile.name.clone()).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if direction == SortDirection::Desc {
                sorted.reverse();
            }
            assert_eq!(keys, sorted);
            seen.extend(page.items.into_iter().map(|u| u.uid));
        }
        assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), members);
        assert_eq!(seen.len(), 60);
    }
    // Prefix search on the user name within the group, regardless of case.
    let prefix = in_group(
        vec![UserCondition::Text {
            field: UserField::Username,
            matches: TextMatch::Prefix("ANN".into()),
        }],
        UserField::DisplayName,
        SortDirection::Asc,
        Paging::Offset {
            offset: 0,
            limit: 100,
        },
    );
    assert_eq!(store.query_users(&scope, &prefix).await.unwrap().total, 30);
    // Summaries answer what whole users answer, down to order and totals, on every path: the
    // membership index alone, a condition on the users table, no group, a page past the end.
    let email = UserCondition::Text {
        field: UserField::Email,
        matches: TextMatch::Contains("example".into()),
    };
    let queries = [
        prefix.clone(),
        in_group(
            vec![email.clone()],
            UserField::Email,
            SortDirection::Desc,
            Paging::Page { number: 2, size: 9 },
        ),
        UserQuery {
            conditions: vec![email],
            sort: UserSort {
                field: UserField::Username,
                direction: SortDirection::Asc,
            },
            paging: Paging::Offset {
                offset: 5,
                limit: 20,
            },
        },
        in_group(
            vec![],
            UserField::CreateTime,
            SortDirection::Asc,
            Paging::Offset {
                offset: 500,
                limit: 10,
            },
        ),
    ];
    for q in &queries {
        let full = store.query_users(&scope, q).await.unwrap();
        let summaries = store.query_user_summaries(&scope, q).await.unwrap();
        assert_eq!(summaries.total, full.total);
        let expected: Vec<UserSummary> = full.items.into_iter().map(UserSummary::from).collect();
        assert_eq!(summaries.items, expected, "{q:?}");
    }
    // A renamed member is found by its new name and sorted by its new display name.
    let page = store.query_users(&scope, &prefix).await.unwrap();
    let mut renamed = page.items[0].clone();
    renamed.profile.preferred_username = Some("carol".into());
    renamed.profile.name = Some("AAA first".into());
    store
        .update_user(&scope, &renamed, UserWrite::default())
        .await
        .unwrap();
    assert_eq!(store.query_users(&scope, &prefix).await.unwrap().total, 29);
    let first = store
        .query_users(
            &scope,
            &in_group(
                vec![],
                UserField::DisplayName,
                SortDirection::Asc,
                Paging::Page { number: 1, size: 1 },
            ),
        )
        .await
        .unwrap();
    assert_eq!(first.items[0].uid, renamed.uid);
}

/// Pages deep into a group's members (sorted whole on SQLite past offset 1,000) hold what
/// cursor paging, which never sorts that way, finds at the same places, under every member key.
async fn deep_member_pages(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "deep");
    store.insert_group(&scope, &g).await.unwrap();
    let users: Vec<User> = (0..1_250i64)
        .map(|i| {
            let mut u = user(&scope, Some(&format!("d{:04}", (i * 7919) % 1_250)), i % 97);
            u.profile.name = Some(["Ann", "Bo", "Cy", "Di"][(i % 4) as usize].to_owned());
            u
        })
        .collect();
    store.bulk_insert_users(&scope, &users).await.unwrap();
    let uids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    store
        .bulk_add_group_members(&scope, &g.uid, &uids, ts(0))
        .await
        .unwrap();
    let prefix = |p: &str| UserCondition::Text {
        field: UserField::Username,
        matches: TextMatch::Prefix(p.to_owned()),
    };
    // All members; a prefix of all and of 1,000 (filtered on the user name, sorted on another
    // key: selected from the matches' keys); a creation-time range.
    let filters = [
        (None, 1_250),
        (Some(prefix("D")), 1_250),
        (Some(prefix("d0")), 1_000),
        (Some(created_between(0, 96)), 1_250 - 12),
    ];
    for (filter, matching) in filters {
        for field in [
            UserField::DisplayName,
            UserField::Username,
            UserField::CreateTime,
        ] {
            for direction in [SortDirection::Asc, SortDirection::Desc] {
                let conditions = [UserCondition::InGroup(g.uid.clone())]
                    .into_iter()
                    .chain(filter.clone())
                    .collect();
                let pages = [(990, 20), (1_000, 100), (1_100, 100), (1_200, 100)];
                let sort = UserSort { field, direction };
                deep_pages(&store, &scope, conditions, sort, matching, &pages).await;
            }
        }
    }
    // A display name holding the key scan's separators (refused on input, but the store does
    // not rely on it): the deep page is sorted by the database instead, with the same result.
    let mut odd = users[7].clone();
    odd.profile.name = Some("Bo\u{1e}x\u{1f}y".to_owned());
    store
        .update_user(&scope, &odd, UserWrite::default())
        .await
        .unwrap();
    let all = deep_display_name_pages(
        &store,
        &scope,
        vec![UserCondition::InGroup(g.uid.clone()), prefix("d")],
        1_250,
    )
    .await;
    assert!(all.contains(&odd.uid));
    // Every member shares one display name: the page's ties span the group, so it is read
    // from the user-name index and sorted (by uid) rather than from the display-name index
    // (SQLite; PostgreSQL chooses by its own statistics).
    let ties = group(&scope, "ties");
    store.insert_group(&scope, &ties).await.unwrap();
    let same: Vec<User> = (0..1_300i64)
        .map(|i| {
            let name = if i < 1_200 { "s" } else { "t" };
            let mut u = user(&scope, Some(&format!("{name}{i:04}")), i % 5);
            u.profile.name = Some("Same".to_owned());
            u
        })
        .collect();
    store.bulk_insert_users(&scope, &same).await.unwrap();
    let uids: Vec<UserUid> = same.iter().map(|u| u.uid.clone()).collect();
    store
        .bulk_add_group_members(&scope, &ties.uid, &uids, ts(0))
        .await
        .unwrap();
    deep_display_name_pages(
        &store,
        &scope,
        vec![UserCondition::InGroup(ties.uid.clone()), prefix("s")],
        1_200,
    )
    .await;
}

/// Checks that the deep offset pages (1,000 and 1,150) of `conditions` sorted by display name,
/// both ways, are those of cursor paging, and that `total` match; returns the matches in
/// ascending order.
async fn deep_display_name_pages(
    store: &SqlStore,
    scope: &PoolScope,
    conditions: Vec<UserCondition>,
    total: usize,
) -> Vec<UserUid> {
    let pages = [(1_000, 100), (1_150, 100)];
    let mut ascending = Vec::new();
    for direction in [SortDirection::Desc, SortDirection::Asc] {
        let sort = UserSort {
            field: UserField::DisplayName,
            direction,
        };
        ascending = deep_pages(store, scope, conditions.clone(), sort, total, &pages).await;
    }
    ascending
}

/// Checks that `total` users match `conditions`, each once, and that each `(offset, limit)`
/// page under `sort` is the same stretch of them as cursor paging gives; returns them all in
/// that order.
async fn deep_pages(
    store: &SqlStore,
    scope: &PoolScope,
    conditions: Vec<UserCondition>,
    sort: UserSort,
    total: usize,
    pages: &[(u64, u32)],
) -> Vec<UserUid> {
    let query = |paging| UserQuery {
        conditions: conditions.clone(),
        sort,
        paging,
    };
    let all = walk_pages(store, scope, query).await;
    assert_eq!(all.len(), total, "{conditions:?}");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), total);
    for &(offset, limit) in pages {
        let page = store
            .query_user_summaries(scope, &query(Paging::Offset { offset, limit }))
            .await
            .unwrap();
        assert_eq!(page.total, total as i64);
        let got: Vec<UserUid> = page.items.into_iter().map(|u| u.uid).collect();
        let start = (offset as usize).min(all.len());
        let end = (offset as usize + limit as usize).min(all.len());
        assert_eq!(got, all[start..end], "{conditions:?} {sort:?} at {offset}");
    }
    all
}

/// Every match of `query`, walked with cursor paging 100 at a time.
async fn walk_pages(
    store: &SqlStore,
    scope: &PoolScope,
    query: impl Fn(Paging) -> UserQuery,
) -> Vec<UserUid> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = store
            .query_user_summaries(
                scope,
                &query(Paging::Cursor {
                    token: token.clone(),
                    limit: 100,
                }),
            )
            .await
            .unwrap();
        all.extend(page.items.into_iter().map(|u| u.uid));
        token = page.next_token;
        if token.is_none() {
            return all;
        }
    }
}

fn created_between(low: i64, high: i64) -> UserCondition {
    UserCondition::Range {
        field: UserField::CreateTime,
        low: Bound::Included(RangeValue::Time(ts(low))),
        high: Bound::Excluded(RangeValue::Time(ts(high))),
    }
}

/// Within one group, creation and update times are searched and sorted on the membership
/// rows' copies, which follow every user update and every way members are added.
async fn group_member_times(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "timed");
    store.insert_group(&scope, &g).await.unwrap();
    let mut users = Vec::new();
    for i in 0..40i64 {
        let mut u = user(&scope, Some(&format!("t{i:03}")), i);
        u.profile.name = Some(["Kim", "Ali", "Bo"][(i % 3) as usize].to_owned());
        users.push(u);
    }
    // Half added one by one, half through the bulk path; only even users are members.
    store.bulk_insert_users(&scope, &users).await.unwrap();
    let even: Vec<UserUid> = users.iter().step_by(2).map(|u| u.uid.clone()).collect();
    store
        .add_group_members(&scope, &g.uid, &even[..10], ts(0))
        .await
        .unwrap();
    store
        .bulk_add_group_members(&scope, &g.uid, &even[10..], ts(0))
        .await
        .unwrap();
    let in_group = |extra: Vec<UserCondition>, field, direction| {
        let mut conditions = vec![UserCondition::InGroup(g.uid.clone())];
        conditions.extend(extra);
        UserQuery {
            conditions,
            sort: UserSort { field, direction },
            paging: Paging::Offset {
                offset: 0,
                limit: 100,
            },
        }
    };
    // A creation-time range, sorted by display name (ties by uid).
    let q = in_group(
        vec![created_between(10, 30)],
        UserField::DisplayName,
        SortDirection::Asc,
    );
    let page = store.query_users(&scope, &q).await.unwrap();
    assert_eq!(page.total, 10);
    let want: HashSet<UserUid> = (10..30).step_by(2).map(|i| users[i].uid.clone()).collect();
    let got: HashSet<UserUid> = page.items.iter().map(|u| u.uid.clone()).collect();
    assert_eq!(got, want);
    let keys: Vec<_> = page
        .items
        .iter()
        .map(|u| (u.profile.name.clone(), u.uid.as_str().to_owned()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(
        page.items
            .iter()
            .all(|u| u.group_uids == vec![g.uid.clone()])
    );
    // Sorted by creation time, both ways, combined with a user-name prefix.
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let q = in_group(
            vec![
                created_between(0, 40),
                UserCondition::Text {
                    field: UserField::Username,
                    matches: TextMatch::Prefix("T".into()),
                },
            ],
            UserField::CreateTime,
            direction,
        );
        let page = store.query_users(&scope, &q).await.unwrap();
        assert_eq!(page.total, 20);
        let mut times: Vec<i64> = page.items.iter().map(|u| u.created_at.millis()).collect();
        if direction == SortDirection::Desc {
            times.reverse();
        }
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }
    // An update moves the member's update time; its creation time stays.
    let mut touched = users[4].clone();
    touched.updated_at = ts(1000);
    store
        .update_user(&scope, &touched, UserWrite::default())
        .await
        .unwrap();
    let updated_late = UserCondition::Range {
        field: UserField::UpdateTime,
        low: Bound::Included(RangeValue::Time(ts(500))),
        high: Bound::Unbounded,
    };
    let q = in_group(
        vec![updated_late],
        UserField::UpdateTime,
        SortDirection::Desc,
    );
    let page = store.query_users(&scope, &q).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].uid, touched.uid);
    let q = in_group(
        vec![created_between(4, 5)],
        UserField::DisplayName,
        SortDirection::Asc,
    );
    assert_eq!(store.query_users(&scope, &q).await.unwrap().total, 1);
    // A page past the end is empty and still counts what was found.
    let mut past = in_group(
        vec![created_between(0, 40)],
        UserField::DisplayName,
        SortDirection::Asc,
    );
    past.paging = Paging::Offset {
        offset: 500,
        limit: 10,
    };
    let page = store.query_users(&scope, &past).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 20);
    // The same range outside the group counts every user in it.
    assert_eq!(
        store
            .query_users(&scope, &all(vec![created_between(10, 30)]))
            .await
            .unwrap()
            .total,
        20
    );
    // A condition the membership rows do not carry still applies, through the users.
    let q = in_group(
        vec![
            created_between(0, 40),
            UserCondition::StateIn(vec![UserState::Confirmed]),
        ],
        UserField::CreateTime,
        SortDirection::Asc,
    );
    assert_eq!(store.query_users(&scope, &q).await.unwrap().total, 0);
}

/// Memberships made before migration 0004 get their users' times from it.
async fn member_times_backfilled(db: &Db) {
    let statements = [
        "INSERT INTO accounts (id, name, created_at) VALUES ('a1', 'acct', 0)",
        "INSERT INTO user_pools (uid, account_id, name, settings, created_at, updated_at) \
         VALUES ('up-old', 'a1', 'old', '{}', 0, 0)",
        "INSERT INTO users (uid, pool_uid, preferred_username, display_name, state, created_at, updated_at) \
         VALUES ('u-old', 'up-old', 'Old', 'Old One', 'Confirmed', 5000, 7000)",
        "INSERT INTO groups (uid, pool_uid, name, created_at, updated_at) VALUES ('g-old', 'up-old', 'old', 0, 0)",
        "INSERT INTO group_members (group_uid, user_uid, pool_uid, created_at, username, display_name) \
         VALUES ('g-old', 'u-old', 'up-old', 0, 'old', 'Old One')",
    ]
    .map(str::to_owned);
    match db.sqlite_path() {
        // The migrations that shipped before 0004, applied and recorded as sqlx applied them.
        Some(path) => sqlite_migrated_by_sqlx(&path, "0004"),
        None => postgres_migrated_before(db, "0004").await,
    }
    db.raw(&statements).await;
    let store = db.open().await;
    let acct = store.ensure_account("acct", ts(0)).await.unwrap();
    let pool = store
        .find_pool_by_name(&acct.id, "old")
        .await
        .unwrap()
        .unwrap();
    let scope = PoolScope::trusted(&pool);
    let group = GroupUid::from_stored("g-old".to_owned());
    let in_range = |low: i64, high: i64, field| UserQuery {
        conditions: vec![
            UserCondition::InGroup(group.clone()),
            UserCondition::Range {
                field,
                low: Bound::Included(RangeValue::Time(Timestamp::from_millis(low))),
                high: Bound::Excluded(RangeValue::Time(Timestamp::from_millis(high))),
            },
        ],
        sort: UserSort {
            field,
            direction: SortDirection::Asc,
        },
        paging: Paging::Offset {
            offset: 0,
            limit: 10,
        },
    };
    let total = |q: UserQuery| {
        let store = store.clone();
        let scope = scope.clone();
        async move { store.query_users(&scope, &q).await.unwrap().total }
    };
    assert_eq!(total(in_range(5000, 5001, UserField::CreateTime)).await, 1);
    assert_eq!(total(in_range(0, 5000, UserField::CreateTime)).await, 0);
    assert_eq!(total(in_range(7000, 7001, UserField::UpdateTime)).await, 1);
    // Migration 0008 counted the group's existing members.
    let g = store.get_group(&scope, &group).await.unwrap().unwrap();
    assert_eq!(g.member_count, 1);
}

/// A group's stored member count follows every way members come and go, and answers the
/// total of a member list without conditions.
async fn group_member_counts(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let (a, b) = (group(&scope, "a"), group(&scope, "b"));
    store.insert_group(&scope, &a).await.unwrap();
    store.insert_group(&scope, &b).await.unwrap();
    let users: Vec<User> = (0..30)
        .map(|i| user(&scope, Some(&format!("c{i:02}")), i))
        .collect();
    store.bulk_insert_users(&scope, &users).await.unwrap();
    let ids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    let check = |expect_a: i64, expect_b: i64| {
        let store = store.clone();
        let scope = scope.clone();
        let (a, b) = (a.uid.clone(), b.uid.clone());
        async move {
            for (g, expected) in [(a, expect_a), (b, expect_b)] {
                let stored = store.get_group(&scope, &g).await.unwrap().unwrap();
                assert_eq!(stored.member_count, expected, "stored count of {g}");
                // A first page, and one past the end (counted on its own).
                for offset in [0, 1_000] {
                    let page = store
                        .query_user_summaries(
                            &scope,
                            &UserQuery {
                                conditions: vec![UserCondition::InGroup(g.clone())],
                                sort: UserSort {
                                    field: UserField::DisplayName,
                                    direction: SortDirection::Asc,
                                },
                                paging: Paging::Offset { offset, limit: 5 },
                            },
                        )
                        .await
                        .unwrap();
                    assert_eq!(page.total, expected, "total of {g} at {offset}");
                }
            }
        }
    };
    check(0, 0).await;
    // Bulk, then again with half already members: only new rows count.
    store
        .bulk_add_group_members(&scope, &a.uid, &ids[..20], ts(0))
        .await
        .unwrap();
    store
        .bulk_add_group_members(&scope, &a.uid, &ids[10..25], ts(0))
        .await
        .unwrap();
    store
        .add_group_members(&scope, &b.uid, &ids[..3], ts(0))
        .await
        .unwrap();
    store
        .add_group_members(&scope, &b.uid, &ids[..4], ts(0))
        .await
        .unwrap();
    check(25, 4).await;
    // Removing members and non-members.
    store
        .remove_group_members(&scope, &a.uid, &[ids[0].clone(), ids[29].clone()])
        .await
        .unwrap();
    check(24, 4).await;
    // A user deleted is a member no more, in each of its groups.
    assert!(store.delete_user(&scope, &ids[1]).await.unwrap());
    check(23, 3).await;
    // A failed add (a user outside the pool) changes nothing.
    let (other, _) = new_pool(&store, "other").await;
    let stranger = user(&other, Some("stranger"), 0);
    store.insert_user(&other, &stranger).await.unwrap();
    assert!(
        store
            .add_group_members(
                &scope,
                &b.uid,
                &[ids[5].clone(), stranger.uid.clone()],
                ts(0)
            )
            .await
            .is_err()
    );
    check(23, 3).await;
    // Deleting a group leaves the other's count alone.
    assert!(store.delete_group(&scope, &a.uid).await.unwrap());
    let b_now = store.get_group(&scope, &b.uid).await.unwrap().unwrap();
    assert_eq!(b_now.member_count, 3);
}

/// The PostgreSQL migrations named before `below`, applied on their own by sqlx's migrator in
/// the test's schema.
async fn postgres_migrated_before(db: &Db, below: &str) {
    use sqlx::Executor;
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let early = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < below {
            std::fs::copy(&path, early.path().join(&name)).unwrap();
        }
    }
    let schema = db.schema.clone().unwrap();
    db.raw(&[format!("CREATE SCHEMA \"{schema}\"")]).await;
    let raw = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            let schema = schema.clone();
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "SET search_path TO \"{schema}\""
                )))
                .await?;
                Ok(())
            })
        })
        .connect(&db.url)
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(early.path())
        .await
        .unwrap()
        .run(&raw)
        .await
        .unwrap();
    raw.close().await;
}
