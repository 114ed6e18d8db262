//! The store suite for accounts and keys, pools, users (uniqueness, conditions, paging), and
//! durability (reopen, concurrent writers, bulk load), run against SQLite and PostgreSQL.
//! PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass.
//! Each test gets its own SQLite file or PostgreSQL schema, so tests run in parallel. Groups and
//! departments have suites of their own.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::ops::Bound;

use idplane_core::error::{DomainError, Field, Kind, PoolError, UserError};
use idplane_core::ids::{AccessKeyId, UserUid};
use idplane_core::model::account::{AccessKey, AccessKeyStatus};
use idplane_core::model::user::{User, UserState, UserWrite};
use idplane_core::query::*;
use idplane_core::store::*;
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{all, child_of, group, new_pool, pool_named, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    accounts_and_keys,
    pools_are_unique_and_isolated,
    users_unique_attributes,
    user_conditions,
    paging_sees_every_row_once,
    data_survives_reopen,
    concurrent_writers,
    bulk_load,
    pool_counts_follow_users,
);

async fn uids(
    store: &SqlStore,
    scope: &PoolScope,
    conditions: Vec<UserCondition>,
) -> HashSet<UserUid> {
    let page = store.query_users(scope, &all(conditions)).await.unwrap();
    assert_eq!(page.total as usize, page.items.len());
    page.items.into_iter().map(|u| u.uid).collect()
}

fn set(users: &[&User]) -> HashSet<UserUid> {
    users.iter().map(|u| u.uid.clone()).collect()
}

async fn accounts_and_keys(db: &Db) {
    let store = db.open().await;
    let a = store.ensure_account("acme", ts(0)).await.unwrap();
    let again = store.ensure_account("acme", ts(5)).await.unwrap();
    assert_eq!(a, again);
    assert_eq!(store.find_account("acme").await.unwrap(), Some(a.clone()));
    assert_eq!(store.find_account("nobody").await.unwrap(), None);
    let key = AccessKey {
        id: AccessKeyId::parse("AKLTSTORE0001").unwrap(),
        account_id: a.id.clone(),
        sealed_secret: "sealed".to_owned(),
        status: AccessKeyStatus::Active,
        bound_pool: None,
        description: "d".to_owned(),
        created_at: ts(1),
    };
    store.insert_access_key(&key).await.unwrap();
    assert!(matches!(
        store.insert_access_key(&key).await,
        Err(DomainError::IdTaken(Kind::AccessKey))
    ));
    let got = store.get_access_key(&key.id).await.unwrap().unwrap();
    assert_eq!(
        (got.sealed_secret.as_str(), got.status),
        ("sealed", AccessKeyStatus::Active)
    );
    assert_eq!(store.list_access_keys(Some(&a.id)).await.unwrap().len(), 1);
    let b = store.ensure_account("other", ts(0)).await.unwrap();
    assert!(
        store
            .list_access_keys(Some(&b.id))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.delete_access_key(&key.id).await.unwrap());
    assert!(!store.delete_access_key(&key.id).await.unwrap());
    assert!(store.get_access_key(&key.id).await.unwrap().is_none());
}

async fn pools_are_unique_and_isolated(db: &Db) {
    let store = db.open().await;
    let a = store.ensure_account("a", ts(0)).await.unwrap();
    let b = store.ensure_account("b", ts(0)).await.unwrap();
    let (pa, ra) = pool_named(&a.id, "staff");
    store.insert_pool(&pa, &ra).await.unwrap();
    let (dup, rdup) = pool_named(&a.id, "staff");
    assert!(matches!(
        store.insert_pool(&dup, &rdup).await,
        Err(DomainError::Pool(PoolError::NameTaken))
    ));
    let (pb, rb) = pool_named(&b.id, "staff");
    store.insert_pool(&pb, &rb).await.unwrap();

    assert!(store.get_pool(&b.id, &pa.uid).await.unwrap().is_none());
    assert!(!store.delete_pool(&b.id, &pa.uid).await.unwrap());
    let mut stolen = pa.clone();
    stolen.account_id = b.id.clone();
    stolen.description = "pwned".to_owned();
    assert!(store.update_pool(&stolen).await.is_err());
    let query = PoolQuery {
        filter: PoolFilter::default(),
        sort: (PoolSortField::Name, SortDirection::Asc),
        paging: Paging::Page {
            number: 1,
            size: 10,
        },
    };
    let listed = store.list_pools(&b.id, &query).await.unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].pool.uid, pb.uid);

    let mut renamed = pa.clone();
    renamed.description = "kept".to_owned();
    renamed.settings.self_sign_up_enabled = true;
    store.update_pool(&renamed).await.unwrap();
    let view = store.get_pool(&a.id, &pa.uid).await.unwrap().unwrap();
    assert_eq!(view.pool.description, "kept");
    assert!(view.pool.settings.self_sign_up_enabled);

    let scope = PoolScope::trusted(&pa);
    store
        .insert_user(&scope, &user(&scope, Some("x"), 0))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_pool(&a.id, &pa.uid)
            .await
            .unwrap()
            .unwrap()
            .total_users,
        1
    );
    assert!(store.delete_pool(&a.id, &pa.uid).await.unwrap());
    assert!(store.get_pool(&a.id, &pa.uid).await.unwrap().is_none());
    assert_eq!(
        store.query_users(&scope, &all(vec![])).await.unwrap().total,
        0
    );
}

async fn users_unique_attributes(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let (other, _) = new_pool(&store, "acct").await;
    let mut alice = user(&scope, Some("Alice"), 0);
    alice.profile.email = Some("Alice@Example.com".to_owned());
    alice.profile.phone_number = Some("+100".to_owned());
    store.insert_user(&scope, &alice).await.unwrap();
    for (username, email, phone, field) in [
        (Some("alice"), None, None, UserError::UsernameTaken),
        (
            Some("b"),
            Some("alice@example.COM"),
            None,
            UserError::EmailTaken,
        ),
        (Some("c"), None, Some("+100"), UserError::PhoneTaken),
    ] {
        let mut u = user(&scope, username, 1);
        u.profile.email = email.map(str::to_owned);
        u.profile.phone_number = phone.map(str::to_owned);
        match store.insert_user(&scope, &u).await {
            Err(DomainError::User(reason)) => assert_eq!(reason, field),
            other => panic!("expected {field:?}, got {other:?}"),
        }
    }
    // Absent attributes never clash, and another pool is another namespace.
    store
        .insert_user(&scope, &user(&scope, None, 2))
        .await
        .unwrap();
    store
        .insert_user(&scope, &user(&scope, None, 3))
        .await
        .unwrap();
    store
        .insert_user(&other, &user(&other, Some("alice"), 0))
        .await
        .unwrap();

    let mut bob = user(&scope, Some("bob"), 4);
    store.insert_user(&scope, &bob).await.unwrap();
    bob.profile.preferred_username = Some("ALICE".to_owned());
    assert!(matches!(
        store.update_user(&scope, &bob, UserWrite::default()).await,
        Err(DomainError::User(UserError::UsernameTaken))
    ));
    bob.profile.preferred_username = Some("robert".to_owned());
    bob.profile.custom_attributes = vec![("k".to_owned(), "v".to_owned())];
    bob.state = UserState::Locked;
    bob.password_hash = Some("$argon2id$hash".to_owned());
    store
        .update_user(&scope, &bob, UserWrite::default())
        .await
        .unwrap();
    let got = store.get_user(&scope, &bob.uid).await.unwrap().unwrap();
    assert_eq!(got.profile.preferred_username.as_deref(), Some("robert"));
    assert_eq!(got.profile.custom_attributes, bob.profile.custom_attributes);
    assert_eq!(got.state, UserState::Locked);
    assert_eq!(got.password_hash.as_deref(), Some("$argon2id$hash"));
    assert!(
        store.get_user(&other, &bob.uid).await.unwrap().is_none(),
        "scoped to its pool"
    );
    assert!(!store.delete_user(&other, &bob.uid).await.unwrap());
    assert!(store.delete_user(&scope, &bob.uid).await.unwrap());
    assert!(store.get_user(&scope, &bob.uid).await.unwrap().is_none());
}

async fn user_conditions(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let mut a = user(&scope, Some("ann"), 10);
    a.profile.email = Some("ann@x.io".to_owned());
    a.profile.name = Some("Ann Smith".to_owned());
    let mut b = user(&scope, Some("annabel"), 20);
    b.profile.email = Some("b@x.io".to_owned());
    b.profile.name = Some("Bel 100%_off".to_owned());
    b.state = UserState::Confirmed;
    let mut c = user(&scope, Some("carl"), 30);
    c.profile.email = Some("C@Y.IO".to_owned());
    c.state = UserState::Disabled;
    let d = user(&scope, None, 40);
    for u in [&a, &b, &c, &d] {
        store.insert_user(&scope, u).await.unwrap();
    }
    let text = |field, m| UserCondition::Text { field, matches: m };
    use TextMatch::*;
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Username, Exact("ANN".into()))]
        )
        .await,
        set(&[&a])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Username, Prefix("Ann".into()))]
        )
        .await,
        set(&[&a, &b])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Email, Exact("c@y.io".into()))]
        )
        .await,
        set(&[&c])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Name, Contains("smith".into()))]
        )
        .await,
        set(&[&a])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Name, Contains("100%_".into()))]
        )
        .await,
        set(&[&b])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::Name, Contains("%".into()))]
        )
        .await,
        set(&[&b]),
        "% is literal"
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![text(UserField::DisplayName, Exact("carl".into()))]
        )
        .await,
        set(&[&c])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::Empty {
                field: UserField::Username,
                empty: true
            }]
        )
        .await,
        set(&[&d])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::Empty {
                field: UserField::Name,
                empty: false
            }]
        )
        .await,
        set(&[&a, &b])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::Range {
                field: UserField::CreateTime,
                low: Bound::Excluded(RangeValue::Time(ts(10))),
                high: Bound::Included(RangeValue::Time(ts(30))),
            }]
        )
        .await,
        set(&[&b, &c])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::Range {
                field: UserField::Username,
                low: Bound::Included(RangeValue::Text("annb".into())),
                high: Bound::Unbounded,
            }]
        )
        .await,
        set(&[&c])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::StateIn(vec![
                UserState::Confirmed,
                UserState::Disabled
            ])]
        )
        .await,
        set(&[&b, &c])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::UidIn(vec![a.uid.clone(), d.uid.clone()])]
        )
        .await,
        set(&[&a, &d])
    );
    assert_eq!(
        uids(&store, &scope, vec![UserCondition::Keyword("NNA".into())]).await,
        set(&[&b])
    );
    let tail = &d.uid.as_str()[30..];
    assert_eq!(
        uids(&store, &scope, vec![UserCondition::Keyword(tail.into())]).await,
        set(&[&d])
    );

    let g = group(&scope, "g");
    store.insert_group(&scope, &g).await.unwrap();
    store
        .add_group_members(&scope, &g.uid, &[a.uid.clone(), b.uid.clone()], ts(0))
        .await
        .unwrap();
    assert_eq!(
        uids(&store, &scope, vec![UserCondition::InGroup(g.uid.clone())]).await,
        set(&[&a, &b])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::InAnyGroup(vec![g.uid.clone()])]
        )
        .await,
        set(&[&a, &b])
    );
    assert_eq!(
        uids(&store, &scope, vec![UserCondition::NotInAnyGroup]).await,
        set(&[&c, &d])
    );
    let child = child_of(&root, "child");
    store.insert_department(&scope, &child).await.unwrap();
    store
        .add_department_members(&scope, &child.uid, &[c.uid.clone()], ts(0))
        .await
        .unwrap();
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::InDepartment {
                uid: root.uid.clone(),
                recursive: false
            }]
        )
        .await,
        set(&[])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::InDepartment {
                uid: root.uid.clone(),
                recursive: true
            }]
        )
        .await,
        set(&[&c])
    );
    assert_eq!(
        uids(&store, &scope, vec![UserCondition::NotInAnyDepartment]).await,
        set(&[&a, &b, &d])
    );

    let mut e = user(&scope, Some("eve"), 50);
    e.profile.phone_number = Some("+1".into());
    let mut f = user(&scope, Some("fay"), 60);
    f.profile.phone_number = Some("+2".into());
    store.insert_user(&scope, &e).await.unwrap();
    store.insert_user(&scope, &f).await.unwrap();
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![UserCondition::Duplicated(UserField::Phone)]
        )
        .await,
        set(&[])
    );
    assert_eq!(
        uids(
            &store,
            &scope,
            vec![
                text(UserField::Username, Prefix("a".into())),
                UserCondition::StateIn(vec![UserState::Unconfirmed]),
            ]
        )
        .await,
        set(&[&a]),
        "conditions intersect"
    );
}

async fn walk(store: &SqlStore, scope: &PoolScope, sort: UserSort, cursor: bool) -> Vec<UserUid> {
    let mut seen = Vec::new();
    let mut token = None;
    let mut number = 1;
    loop {
        let paging = if cursor {
            Paging::Cursor {
                token: token.clone(),
                limit: 9,
            }
        } else {
            Paging::Page { number, size: 9 }
        };
        let page = store
            .query_users(
                scope,
                &UserQuery {
                    conditions: vec![],
                    sort,
                    paging,
                },
            )
            .await
            .unwrap();
        let n = page.items.len();
        seen.extend(page.items.into_iter().map(|u| u.uid));
        if cursor {
            token = page.next_token;
            if token.is_none() {
                break;
            }
        } else {
            if n < 9 {
                break;
            }
            number += 1;
        }
    }
    seen
}

async fn paging_sees_every_row_once(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let mut made = HashSet::new();
    for i in 0..120i64 {
        let mut u = user(&scope, Some(&format!("user{i:03}")), i / 7);
        u.profile.name = Some(["same", "Same", "other"][(i % 3) as usize].to_owned());
        if i % 5 != 0 {
            u.profile.email = Some(format!("e{}@x.io", i % 40 + i * 1000));
        }
        store.insert_user(&scope, &u).await.unwrap();
        made.insert(u.uid);
    }
    for field in [
        UserField::CreateTime,
        UserField::Name,
        UserField::DisplayName,
        UserField::Email,
        UserField::Username,
        UserField::State,
        UserField::UpdateTime,
    ] {
        for direction in [SortDirection::Asc, SortDirection::Desc] {
            for cursor in [false, true] {
                let sort = UserSort { field, direction };
                let seen = walk(&store, &scope, sort, cursor).await;
                let unique: HashSet<_> = seen.iter().cloned().collect();
                assert_eq!(
                    seen.len(),
                    made.len(),
                    "{field:?} {direction:?} cursor={cursor}"
                );
                assert_eq!(unique, made, "{field:?} {direction:?} cursor={cursor}");
            }
        }
    }
    let bad = store
        .query_users(
            &scope,
            &UserQuery {
                conditions: vec![],
                sort: UserSort {
                    field: UserField::Name,
                    direction: SortDirection::Asc,
                },
                paging: Paging::Cursor {
                    token: Some("bm9wZQ".into()),
                    limit: 5,
                },
            },
        )
        .await;
    assert!(matches!(bad, Err(DomainError::Invalid { field, .. }) if field == Field::NextToken));
}

async fn data_survives_reopen(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let u = user(&scope, Some("persisted"), 0);
    store.insert_user(&scope, &u).await.unwrap();
    store.close().await;
    drop(store);
    let reopened = db.open().await;
    let got = reopened.get_user(&scope, &u.uid).await.unwrap().unwrap();
    assert_eq!(got.profile.preferred_username.as_deref(), Some("persisted"));
    reopened.close().await;
}

async fn concurrent_writers(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let g = group(&scope, "busy");
    store.insert_group(&scope, &g).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        let scope = scope.clone();
        let g = g.uid.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                let u = user(&scope, Some(&format!("t{t}-{i}")), i);
                store.insert_user(&scope, &u).await.unwrap();
                store
                    .add_group_members(&scope, &g, std::slice::from_ref(&u.uid), ts(0))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        120
    );
}

async fn bulk_load(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let users: Vec<User> = (0..1200)
        .map(|i| user(&scope, Some(&format!("bulk{i:05}")), i))
        .collect();
    store.bulk_insert_users(&scope, &users).await.unwrap();
    let g = group(&scope, "many");
    store.insert_group(&scope, &g).await.unwrap();
    let members: Vec<UserUid> = users.iter().step_by(2).map(|u| u.uid.clone()).collect();
    store
        .bulk_add_group_members(&scope, &g.uid, &members, ts(0))
        .await
        .unwrap();
    store.analyze().await.unwrap();
    if db.schema.is_none() {
        // SQLite keeps the per-index statistics and drops the per-value samples.
        assert!(db.raw_int("SELECT COUNT(*) FROM sqlite_stat1").await > 0);
        assert_eq!(db.raw_int("SELECT COUNT(*) FROM sqlite_stat4").await, 0);
    }
    assert_eq!(
        store.query_users(&scope, &all(vec![])).await.unwrap().total,
        1200
    );
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        600
    );
    // A clash rolls the whole batch back.
    let clash = vec![
        user(&scope, Some("fresh"), 0),
        user(&scope, Some("bulk00001"), 0),
    ];
    assert!(store.bulk_insert_users(&scope, &clash).await.is_err());
    assert_eq!(
        store.query_users(&scope, &all(vec![])).await.unwrap().total,
        1200
    );
}

async fn total(store: &SqlStore, scope: &PoolScope) -> i64 {
    store.query_users(scope, &all(vec![])).await.unwrap().total
}

/// A pool's stored user count (what ListUsers without a filter answers) follows single and
/// bulk inserts, deletions and concurrent writers, and matches a count of the rows; another
/// pool's users are not in it; a deleted pool takes it along.
async fn pool_counts_follow_users(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let (other, _) = new_pool(&store, "acct").await;
    assert_eq!(total(&store, &scope).await, 0);
    let first = user(&scope, Some("first"), 1);
    store.insert_user(&scope, &first).await.unwrap();
    let bulk: Vec<User> = (0..700)
        .map(|i| user(&scope, Some(&format!("bulk{i:04}")), i))
        .collect();
    store.bulk_insert_users(&scope, &bulk).await.unwrap();
    store
        .insert_user(&other, &user(&other, Some("elsewhere"), 1))
        .await
        .unwrap();
    assert_eq!(total(&store, &scope).await, 701);
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        let scope = scope.clone();
        let gone = bulk[t * 10].uid.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let u = user(&scope, Some(&format!("w{t}-{i}")), i);
                store.insert_user(&scope, &u).await.unwrap();
            }
            assert!(store.delete_user(&scope, &gone).await.unwrap());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(store.delete_user(&scope, &first.uid).await.unwrap());
    assert!(!store.delete_user(&scope, &first.uid).await.unwrap());
    let rows = db
        .raw_int(&format!(
            "SELECT COUNT(*) FROM users WHERE pool_uid = '{}'",
            scope.pool_uid()
        ))
        .await;
    assert_eq!(rows, 701 + 80 - 8 - 1);
    assert_eq!(
        total(&store, &scope).await,
        rows,
        "the stored count is exact"
    );
    assert_eq!(total(&store, &other).await, 1);
    let filtered = store
        .query_users(
            &scope,
            &all(vec![UserCondition::Text {
                field: UserField::Username,
                matches: TextMatch::Prefix("w".to_owned()),
            }]),
        )
        .await
        .unwrap();
    assert_eq!(
        filtered.total, 80,
        "a filtered list still counts its matches"
    );
    let account = store.find_pool(scope.account_id(), scope.pool_uid()).await;
    assert!(account.unwrap().is_some());
    assert!(
        store
            .delete_pool(scope.account_id(), scope.pool_uid())
            .await
            .unwrap()
    );
    assert_eq!(
        db.raw_int(&format!(
            "SELECT COUNT(*) FROM pool_user_counts WHERE pool_uid = '{}'",
            scope.pool_uid()
        ))
        .await,
        0
    );
    assert_eq!(total(&store, &other).await, 1);
}
