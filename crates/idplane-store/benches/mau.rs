//! Monthly active users: the data plane's recording hot path and GetUserPoolMaus's query.
//!
//! * `record/*`: `Directory::record_activity` for a user already counted this month (the
//!   common case: no I/O), and for a user's first activity (one transaction).
//! * `query/*`: `Directory::monthly_active_users` over 1,000 pools holding 10,000,000 distinct
//!   active users in the month (all pools of the account, and the 1,000 pools named).
//!
//! SQLite runs in `IDPLANE_BENCH_DIR` (default `target/bench-mau`); PostgreSQL runs when
//! `IDPLANE_BENCH_DATABASE_URL` is set, in schema `bench_mau`. The users are seeded once through
//! `SqlStore::bulk_record_activity` and reused by later runs. `IDPLANE_BENCH_MAU_USERS`
//! changes the total (default 10,000,000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use idplane_core::changes::Changes;
use idplane_core::clock::{Clock, SystemClock, Timestamp};
use idplane_core::crypto::MasterKey;
use idplane_core::ids::{UserPoolUid, UserUid};
use idplane_core::model::account::Caller;
use idplane_core::model::activity::Month;
use idplane_core::model::pool::UserPool;
use idplane_core::passwords::PasswordWorkers;
use idplane_core::service::pools::NewPool;
use idplane_core::service::{AccessKeyService, Directory};
use idplane_core::store::{ActivityStore, PoolStore, Store};
use idplane_store::SqlStore;
use tokio::runtime::Runtime;

fn passwords() -> Arc<PasswordWorkers> {
    PasswordWorkers::start(1).expect("password threads")
}

const POOLS: usize = 1000;
const ACCOUNT: &str = "bench-mau";
/// Users already counted in the hot-path benchmark.
const WARM_USERS: usize = 20_000;

struct Backend {
    name: &'static str,
    url: String,
    schema: Option<&'static str>,
}

fn backends() -> Vec<Backend> {
    let dir = std::env::var_os("IDPLANE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-mau")
        });
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = vec![Backend {
        name: "sqlite",
        url: format!("sqlite://{}", dir.join("mau.db").display()),
        schema: None,
    }];
    if let Ok(url) = std::env::var("IDPLANE_BENCH_DATABASE_URL") {
        out.push(Backend {
            name: "postgres",
            url,
            schema: Some("bench_mau"),
        });
    }
    out
}

async fn open(b: &Backend) -> SqlStore {
    match b.schema {
        Some(s) => SqlStore::connect_with_schema(&b.url, s).await.unwrap(),
        None => SqlStore::connect(&b.url).await.unwrap(),
    }
}

fn total_users() -> usize {
    std::env::var("IDPLANE_BENCH_MAU_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

async fn caller(store: &SqlStore, account: &str) -> Caller {
    let store: Arc<dyn Store> = Arc::new(store.clone());
    let keys = AccessKeyService::new(store, MasterKey::generate(), Arc::new(SystemClock));
    let key = keys.create(account, None, "bench").await.unwrap();
    keys.lookup(key.key.id.as_str())
        .await
        .unwrap()
        .into_caller()
}

/// The month the query benchmark reads (seeded data, fixed, so reruns reuse it).
fn seeded_month() -> Month {
    Month::parse("2025-06").unwrap()
}

/// 1,000 pools of the bench account with `total / 1000` distinct active users each in
/// [`seeded_month`]; resumes where an earlier run stopped.
async fn seed(store: &SqlStore, dir: &Directory, me: &Caller) -> Vec<UserPoolUid> {
    let per_pool = total_users() / POOLS;
    let month = seeded_month();
    let mut pools = dir
        .monthly_active_users(me, &[], Some(&month.to_string()))
        .await
        .unwrap()
        .pools;
    while pools.len() < POOLS {
        let new = NewPool {
            name: format!("bench-{}", pools.len()),
            ..NewPool::default()
        };
        let view = dir.create_pool(me, new).await.unwrap();
        pools.push(idplane_core::model::activity::PoolMau {
            pool_uid: view.pool.uid,
            users: 0,
        });
    }
    let started = Instant::now();
    let mut seeded = 0usize;
    for (i, p) in pools.iter().enumerate() {
        let have = usize::try_from(p.users).unwrap();
        if have >= per_pool {
            continue;
        }
        let users: Vec<UserUid> = (have..per_pool)
            .map(|n| UserUid::from_stored(format!("{i:08x}-0000-7000-8000-{n:012x}")))
            .collect();
        let at = Timestamp::from_millis(1_749_000_000_000);
        store
            .bulk_record_activity(me.account_id(), &p.pool_uid, month, &users, at)
            .await
            .unwrap();
        seeded += users.len();
        if i % 100 == 99 {
            eprintln!(
                "seeded {} pools, {seeded} users in {:.0?}",
                i + 1,
                started.elapsed()
            );
        }
    }
    if seeded > 0 {
        store.analyze().await.unwrap();
        eprintln!("seeded {seeded} users in {:.1?}", started.elapsed());
    }
    pools.into_iter().map(|p| p.pool_uid).collect()
}

fn record(c: &mut Criterion, rt: &Runtime, b: &Backend) {
    let (dir, pool, users) = rt.block_on(async {
        let store = open(b).await;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let dir = Directory::new(Arc::new(store.clone()), clock, passwords(), Changes::new());
        let me = caller(&store, "bench-mau-hot").await;
        let new = NewPool {
            name: format!("hot-{}", UserPoolUid::generate()),
            ..NewPool::default()
        };
        let pool: UserPool = dir.create_pool(&me, new).await.unwrap().pool;
        let users: Vec<UserUid> = (0..WARM_USERS).map(|_| UserUid::generate()).collect();
        let now = SystemClock.now();
        for u in &users {
            dir.record_activity(&pool, u, now).await.unwrap();
        }
        // The pool is re-read as the data plane would have it.
        let pool = store
            .find_pool(me.account_id(), &pool.uid)
            .await
            .unwrap()
            .unwrap();
        (dir, pool, users)
    });
    let mut group = c.benchmark_group(format!("record/{}", b.name));
    group.bench_function("already_counted", |bench| {
        let mut i = 0usize;
        bench.to_async(rt).iter(|| {
            i = (i + 1) % users.len();
            let (dir, pool, user) = (&dir, &pool, &users[i]);
            async move {
                dir.record_activity(pool, user, SystemClock.now())
                    .await
                    .unwrap();
            }
        });
    });
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(20);
    group.bench_function("first_activity", |bench| {
        bench.to_async(rt).iter(|| {
            let (dir, pool) = (&dir, &pool);
            async move {
                dir.record_activity(pool, &UserUid::generate(), SystemClock.now())
                    .await
                    .unwrap();
            }
        });
    });
    group.finish();
}

fn query(c: &mut Criterion, rt: &Runtime, b: &Backend) {
    let (dir, me, pools, store) = rt.block_on(async {
        let store = open(b).await;
        let dir = Directory::new(
            Arc::new(store.clone()),
            Arc::new(SystemClock),
            passwords(),
            Changes::new(),
        );
        let me = caller(&store, ACCOUNT).await;
        let pools = seed(&store, &dir, &me).await;
        (dir, me, pools, store)
    });
    let month = seeded_month().to_string();
    let named: Vec<String> = pools.iter().map(|p| p.as_str().to_owned()).collect();
    // The answer is checked once: every pool, every user.
    rt.block_on(async {
        let all = dir
            .monthly_active_users(&me, &[], Some(&month))
            .await
            .unwrap();
        let total: u64 = all.pools.iter().map(|p| p.users).sum();
        assert!(all.pools.len() >= POOLS, "{} pools", all.pools.len());
        assert_eq!(total, (total_users() / POOLS * POOLS) as u64);
        let figures = store
            .pool_maus(me.account_id(), &pools[..1], seeded_month())
            .await
            .unwrap();
        assert_eq!(figures[0].users, (total_users() / POOLS) as u64);
    });
    let mut group = c.benchmark_group(format!("query/{}", b.name));
    group.sample_size(50);
    group.bench_function("all_pools_1000_10m_users", |bench| {
        bench.to_async(rt).iter(|| {
            let (dir, me, month) = (&dir, &me, &month);
            async move {
                black_box(
                    dir.monthly_active_users(me, &[], Some(month))
                        .await
                        .unwrap(),
                );
            }
        });
    });
    group.bench_function("named_1000_pools_10m_users", |bench| {
        bench.to_async(rt).iter(|| {
            let (dir, me, month, named) = (&dir, &me, &month, &named);
            async move {
                black_box(
                    dir.monthly_active_users(me, named, Some(month))
                        .await
                        .unwrap(),
                );
            }
        });
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for b in backends() {
        record(c, &rt, &b);
        query(c, &rt, &b);
    }
}

criterion_group!(mau, benches);
criterion_main!(mau);
