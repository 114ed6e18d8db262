//! Monthly active users on both backends: the store's records and counters, driven through the
//! directory's metering service as the data plane calls it. PostgreSQL tests read
//! `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass. Each test gets its
//! own SQLite file or PostgreSQL schema.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use idplane_core::changes::Changes;
use idplane_core::clock::{Clock, Timestamp};
use idplane_core::crypto::MasterKey;
use idplane_core::error::{AccessError, DomainError, Field};
use idplane_core::ids::{UserPoolUid, UserUid};
use idplane_core::model::account::Caller;
use idplane_core::model::activity::{MauZone, Month, PoolMau};
use idplane_core::model::pool::UserPool;
use idplane_core::passwords::PasswordWorkers;
use idplane_core::service::pools::NewPool;
use idplane_core::service::{AccessKeyService, Directory};
use idplane_core::store::{ActiveUser, ActivityStore, Store};
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::{Db, postgres_db, sqlite_db};

store_tests!(
    recording_is_idempotent,
    distinct_users_count_once_each,
    zone_decides_the_month,
    closed_months_are_final,
    two_stores_count_a_user_once,
    counts_survive_reopen,
    deleted_pool_keeps_history,
    figures_are_scoped_to_the_account,
    bound_keys_see_their_pool,
    bulk_recording_is_exact,
    long_named_lists,
);

/// 2025-01-15T00:00:00Z.
const JAN_15: i64 = 1_736_899_200_000;
/// 2025-02-01T00:00:00Z.
const FEB_1: i64 = 1_738_368_000_000;
const HOUR: i64 = 3_600_000;

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

fn clock(at: i64) -> Arc<TestClock> {
    Arc::new(TestClock(AtomicI64::new(at)))
}

fn month(text: &str) -> Month {
    Month::parse(text).unwrap()
}

/// A directory over `store` whose clock stands at `at`.
fn directory(store: &SqlStore, at: i64) -> (Directory, Arc<TestClock>) {
    let clock = clock(at);
    let store: Arc<dyn Store> = Arc::new(store.clone());
    let passwords = PasswordWorkers::start(1).unwrap();
    let directory = Directory::new(store, clock.clone(), passwords, Changes::new());
    (directory, clock)
}

/// A caller of `account`, through the access-key service as a signed request would make it.
async fn caller(store: &SqlStore, account: &str, bound: Option<&UserPoolUid>) -> Caller {
    let store: Arc<dyn Store> = Arc::new(store.clone());
    let keys = AccessKeyService::new(store, MasterKey::generate(), clock(JAN_15));
    let created = keys
        .create(account, bound.map(UserPoolUid::as_str), "test")
        .await
        .unwrap();
    keys.lookup(created.key.id.as_str())
        .await
        .unwrap()
        .into_caller()
}

async fn new_pool(dir: &Directory, caller: &Caller) -> UserPool {
    let new = NewPool {
        name: format!("p-{}", UserPoolUid::generate()),
        ..NewPool::default()
    };
    dir.create_pool(caller, new).await.unwrap().pool
}

async fn mau_of(dir: &Directory, caller: &Caller, pool: &UserPool, m: &str) -> u64 {
    let report = dir
        .monthly_active_users(caller, &[pool.uid.as_str().to_owned()], Some(m))
        .await
        .unwrap();
    assert_eq!(report.month.to_string(), m);
    assert_eq!(report.pools.len(), 1);
    report.pools[0].users
}

async fn recording_is_idempotent(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&dir, &me).await;
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 0);
    let alice = UserUid::generate();
    for i in 0..5 {
        dir.record_activity(&pool, &alice, Timestamp::from_millis(JAN_15 + i * HOUR))
            .await
            .unwrap();
    }
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 1);

    // The store itself reports the first record only, also to a second directory.
    let entry = ActiveUser {
        account_id: &pool.account_id,
        pool_uid: &pool.uid,
        user_uid: &alice,
        month: month("2025-01"),
        at: Timestamp::from_millis(JAN_15),
    };
    assert!(!store.record_active_user(&entry).await.unwrap());
    let bob = UserUid::generate();
    let entry = ActiveUser {
        user_uid: &bob,
        ..entry
    };
    assert!(store.record_active_user(&entry).await.unwrap());
    assert!(!store.record_active_user(&entry).await.unwrap());
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 2);
    assert_eq!(mau_of(&dir, &me, &pool, "2025-02").await, 0);
    store.close().await;
}

async fn distinct_users_count_once_each(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&dir, &me).await;
    let other = new_pool(&dir, &me).await;
    let users: Vec<UserUid> = (0..60).map(|_| UserUid::generate()).collect();
    // Every user acts three times, all at once: racing first activities still count once.
    let mut tasks = Vec::new();
    for round in 0..3 {
        for u in &users {
            let (dir, pool, u) = (dir.clone(), pool.clone(), u.clone());
            tasks.push(tokio::spawn(async move {
                dir.record_activity(&pool, &u, Timestamp::from_millis(JAN_15 + round))
                    .await
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    // A uid that is not a UUID is its own user too.
    dir.record_activity(
        &pool,
        &UserUid::from_stored("legacy-7".into()),
        Timestamp::from_millis(JAN_15),
    )
    .await
    .unwrap();
    dir.record_activity(&other, &users[0], Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 61);
    assert_eq!(mau_of(&dir, &me, &other, "2025-01").await, 1);
    store.close().await;
}

async fn zone_decides_the_month(db: &Db) {
    let store = db.open().await;
    let (utc, _) = directory(&store, JAN_15);
    let shanghai = utc
        .clone()
        .with_mau_zone(MauZone::parse("Asia/Shanghai").unwrap());
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&utc, &me).await;
    let shanghai_pool = new_pool(&utc, &me).await;
    // 2025-01-31T15:59:59.999Z and 16:00:00Z: January and February in Shanghai, both January in UTC.
    let before = Timestamp::from_millis(FEB_1 - 8 * HOUR - 1);
    let after = Timestamp::from_millis(FEB_1 - 8 * HOUR);
    let (a, b) = (UserUid::generate(), UserUid::generate());
    shanghai
        .record_activity(&shanghai_pool, &a, before)
        .await
        .unwrap();
    shanghai
        .record_activity(&shanghai_pool, &b, after)
        .await
        .unwrap();
    utc.record_activity(&pool, &a, before).await.unwrap();
    utc.record_activity(&pool, &b, after).await.unwrap();
    assert_eq!(mau_of(&utc, &me, &shanghai_pool, "2025-01").await, 1);
    assert_eq!(mau_of(&utc, &me, &shanghai_pool, "2025-02").await, 1);
    assert_eq!(mau_of(&utc, &me, &pool, "2025-01").await, 2);
    assert_eq!(mau_of(&utc, &me, &pool, "2025-02").await, 0);
    // The same user in both months counts in each.
    shanghai
        .record_activity(&shanghai_pool, &a, after)
        .await
        .unwrap();
    assert_eq!(mau_of(&utc, &me, &shanghai_pool, "2025-02").await, 2);
    // No month named: the current month in the directory's zone.
    assert_eq!(
        shanghai
            .monthly_active_users(&me, &[], None)
            .await
            .unwrap()
            .month,
        month("2025-01")
    );
    store.close().await;
}

async fn closed_months_are_final(db: &Db) {
    let store = db.open().await;
    let (dir, clock) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&dir, &me).await;
    dir.record_activity(&pool, &UserUid::generate(), Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    clock.0.store(FEB_1 + HOUR, Ordering::SeqCst);
    // Activity that happened in January but is recorded in February counts in February.
    dir.record_activity(
        &pool,
        &UserUid::generate(),
        Timestamp::from_millis(FEB_1 - HOUR),
    )
    .await
    .unwrap();
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 1);
    assert_eq!(mau_of(&dir, &me, &pool, "2025-02").await, 1);
    let report = dir.monthly_active_users(&me, &[], None).await.unwrap();
    assert_eq!(report.month, month("2025-02"));
    store.close().await;
}

async fn two_stores_count_a_user_once(db: &Db) {
    // Two stores on one database stand for two idplane processes.
    let first = db.open().await;
    let second = db.open().await;
    let (dir1, _) = directory(&first, JAN_15);
    let (dir2, _) = directory(&second, JAN_15);
    let me = caller(&first, "acct", None).await;
    let pool = new_pool(&dir1, &me).await;
    let users: Vec<UserUid> = (0..40).map(|_| UserUid::generate()).collect();
    let mut tasks = Vec::new();
    for dir in [&dir1, &dir2, &dir1, &dir2] {
        for u in &users {
            let (dir, pool, u) = (dir.clone(), pool.clone(), u.clone());
            tasks.push(tokio::spawn(async move {
                dir.record_activity(&pool, &u, Timestamp::from_millis(JAN_15))
                    .await
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(mau_of(&dir1, &me, &pool, "2025-01").await, 40);
    assert_eq!(mau_of(&dir2, &me, &pool, "2025-01").await, 40);
    first.close().await;
    second.close().await;
}

async fn counts_survive_reopen(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&dir, &me).await;
    let users: Vec<UserUid> = (0..7).map(|_| UserUid::generate()).collect();
    for u in &users {
        dir.record_activity(&pool, u, Timestamp::from_millis(JAN_15))
            .await
            .unwrap();
    }
    store.close().await;
    drop((dir, store));
    let reopened = db.open().await;
    let (dir, _) = directory(&reopened, JAN_15);
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 7);
    // A restarted process remembers nothing, and still counts nobody twice.
    for u in &users {
        dir.record_activity(&pool, u, Timestamp::from_millis(JAN_15 + HOUR))
            .await
            .unwrap();
    }
    dir.record_activity(&pool, &UserUid::generate(), Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 8);
    reopened.close().await;
}

async fn deleted_pool_keeps_history(db: &Db) {
    let store = db.open().await;
    let (dir, clock) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let kept = new_pool(&dir, &me).await;
    let gone = new_pool(&dir, &me).await;
    let quiet = new_pool(&dir, &me).await;
    for _ in 0..3 {
        dir.record_activity(&gone, &UserUid::generate(), Timestamp::from_millis(JAN_15))
            .await
            .unwrap();
    }
    dir.record_activity(&kept, &UserUid::generate(), Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    dir.delete_pool(&me, &gone.uid).await.unwrap();
    dir.delete_pool(&me, &quiet.uid).await.unwrap();
    assert_eq!(mau_of(&dir, &me, &gone, "2025-01").await, 3);
    assert_eq!(mau_of(&dir, &me, &gone, "2025-02").await, 0);

    // All pools: live ones, and deleted ones with activity in that month.
    let all = dir
        .monthly_active_users(&me, &[], Some("2025-01"))
        .await
        .unwrap();
    let mut want = vec![
        PoolMau {
            pool_uid: kept.uid.clone(),
            users: 1,
        },
        PoolMau {
            pool_uid: gone.uid.clone(),
            users: 3,
        },
    ];
    want.sort_by(|a, b| a.pool_uid.cmp(&b.pool_uid));
    assert_eq!(all.pools, want);
    clock.0.store(FEB_1 + HOUR, Ordering::SeqCst);
    let february = dir.monthly_active_users(&me, &[], None).await.unwrap();
    assert_eq!(february.month, month("2025-02"));
    assert_eq!(
        february.pools,
        vec![PoolMau {
            pool_uid: kept.uid.clone(),
            users: 0
        }]
    );
    // A deleted pool without any history is unknown.
    let e = dir
        .monthly_active_users(&me, &[quiet.uid.as_str().to_owned()], Some("2025-01"))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    store.close().await;
}

async fn figures_are_scoped_to_the_account(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let them = caller(&store, "other", None).await;
    let mine = new_pool(&dir, &me).await;
    let theirs = new_pool(&dir, &them).await;
    dir.record_activity(
        &theirs,
        &UserUid::generate(),
        Timestamp::from_millis(JAN_15),
    )
    .await
    .unwrap();
    dir.delete_pool(&them, &theirs.uid).await.unwrap();
    for asked in [
        vec![theirs.uid.as_str().to_owned()],
        vec![mine.uid.as_str().to_owned(), theirs.uid.as_str().to_owned()],
        vec![UserPoolUid::generate().into_string()],
    ] {
        let e = dir
            .monthly_active_users(&me, &asked, Some("2025-01"))
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e:?}");
    }
    let all = dir
        .monthly_active_users(&me, &[], Some("2025-01"))
        .await
        .unwrap();
    assert_eq!(
        all.pools,
        vec![PoolMau {
            pool_uid: mine.uid.clone(),
            users: 0
        }]
    );
    let theirs_all = dir
        .monthly_active_users(&them, &[], Some("2025-01"))
        .await
        .unwrap();
    assert_eq!(theirs_all.pools.len(), 1);
    assert_eq!(theirs_all.pools[0].users, 1);
    // Asking twice for one pool answers it once.
    let twice = dir
        .monthly_active_users(
            &me,
            &[mine.uid.as_str().to_owned(), mine.uid.as_str().to_owned()],
            Some("2025-01"),
        )
        .await
        .unwrap();
    assert_eq!(twice.pools.len(), 1);
    for bad in ["2025-13", "2025/12", "25-01", "2025-1"] {
        let e = dir
            .monthly_active_users(&me, &[], Some(bad))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, DomainError::Invalid { field, .. } if *field == Field::Month),
            "{e:?}"
        );
    }
    store.close().await;
}

async fn bound_keys_see_their_pool(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let a = new_pool(&dir, &me).await;
    let b = new_pool(&dir, &me).await;
    dir.record_activity(&a, &UserUid::generate(), Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    let bound = caller(&store, "acct", Some(&a.uid)).await;
    let all = dir
        .monthly_active_users(&bound, &[], Some("2025-01"))
        .await
        .unwrap();
    assert_eq!(
        all.pools,
        vec![PoolMau {
            pool_uid: a.uid.clone(),
            users: 1
        }]
    );
    let e = dir
        .monthly_active_users(&bound, &[b.uid.as_str().to_owned()], Some("2025-01"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, DomainError::Access(AccessError::OtherPool)),
        "{e:?}"
    );
    store.close().await;
}

async fn bulk_recording_is_exact(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let pool = new_pool(&dir, &me).await;
    let early = UserUid::generate();
    dir.record_activity(&pool, &early, Timestamp::from_millis(JAN_15))
        .await
        .unwrap();
    let mut users: Vec<UserUid> = (0..9000).map(|_| UserUid::generate()).collect();
    users.push(early.clone());
    let at = Timestamp::from_millis(JAN_15);
    let added = store
        .bulk_record_activity(&pool.account_id, &pool.uid, month("2025-01"), &users, at)
        .await
        .unwrap();
    assert_eq!(added, 9000, "the user recorded before is not new");
    let again = store
        .bulk_record_activity(
            &pool.account_id,
            &pool.uid,
            month("2025-01"),
            &users[..10],
            at,
        )
        .await
        .unwrap();
    assert_eq!(again, 0);
    dir.record_activity(&pool, &users[5], at).await.unwrap();
    assert_eq!(mau_of(&dir, &me, &pool, "2025-01").await, 9001);
    store.close().await;
}

async fn long_named_lists(db: &Db) {
    let store = db.open().await;
    let (dir, _) = directory(&store, JAN_15);
    let me = caller(&store, "acct", None).await;
    let them = caller(&store, "other", None).await;
    let mut pools = Vec::new();
    for _ in 0..80 {
        pools.push(new_pool(&dir, &me).await);
    }
    let at = Timestamp::from_millis(JAN_15);
    dir.record_activity(&pools[3], &UserUid::generate(), at)
        .await
        .unwrap();
    // A deleted pool active only in an earlier month is still known.
    let old = Timestamp::from_millis(JAN_15 - 40 * 24 * HOUR);
    let (dir_dec, _) = directory(&store, JAN_15 - 40 * 24 * HOUR);
    dir_dec
        .record_activity(&pools[7], &UserUid::generate(), old)
        .await
        .unwrap();
    dir.delete_pool(&me, &pools[7].uid).await.unwrap();
    let mut asked: Vec<String> = pools
        .iter()
        .rev()
        .map(|p| p.uid.as_str().to_owned())
        .collect();
    let report = dir
        .monthly_active_users(&me, &asked, Some("2025-01"))
        .await
        .unwrap();
    assert_eq!(report.pools.len(), 80);
    assert_eq!(
        report.pools[0].pool_uid, pools[79].uid,
        "in the order asked"
    );
    let figure = |uid: &UserPoolUid| {
        report
            .pools
            .iter()
            .find(|p| p.pool_uid == *uid)
            .unwrap()
            .users
    };
    assert_eq!(figure(&pools[3].uid), 1);
    assert_eq!(figure(&pools[7].uid), 0);
    assert_eq!(report.pools.iter().map(|p| p.users).sum::<u64>(), 1);
    assert_eq!(mau_of(&dir, &me, &pools[7], "2024-12").await, 1);
    let foreign = new_pool(&dir, &them).await;
    asked.push(foreign.uid.as_str().to_owned());
    let e = dir
        .monthly_active_users(&me, &asked, Some("2025-01"))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    store.close().await;
}
