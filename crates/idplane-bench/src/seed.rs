//! Seeding: one pool of many users and one large group, written through the store's bulk path.

use idplane_core::clock::Timestamp;
use idplane_core::ids::{DepartmentUid, GroupUid, UserPoolUid, UserUid};
use idplane_core::model::department::Department;
use idplane_core::model::group::Group;
use idplane_core::model::pool::{PoolSettings, UserPool};
use idplane_core::model::user::{User, UserProfile, UserState};
use idplane_core::query::{
    GroupFilter, GroupQuery, GroupSortField, Paging, PoolFilter, PoolQuery, PoolSortField,
    SortDirection, TextMatch, UserField, UserQuery, UserSort,
};
use idplane_core::store::{AccountStore, GroupStore, PoolScope, PoolStore, UserStore};
use idplane_store::SqlStore;

/// 2025-01-01T00:00:00Z; user `i` is created `i` seconds later.
pub const T0: i64 = 1_735_689_600_000;
const GROUP: &str = "bench-members";
const BATCH: usize = 10_000;

const FIRST: &[&str] = &[
    "Ada", "Bo", "Chen", "Dana", "Eli", "Fang", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Ming",
    "Nia", "Omar", "Pia", "Qin", "Rui", "Sam", "Tao", "Uma", "Vic", "Wei", "Xia", "Yan", "Zoe",
];
const LAST: &[&str] = &[
    "Adler", "Bai", "Cruz", "Deng", "Evans", "Fu", "Gao", "Huang", "Ito", "Jiang", "Kim", "Li",
    "Ma", "Ng", "Ortiz", "Park", "Qian", "Ren", "Sun", "Tan", "Ueda", "Vu", "Wang", "Xu", "Yang",
    "Zhou",
];

/// What was seeded. User `i` is `user{i:07}`, created `i` seconds after [`T0`], and a member
/// of the group when `i` is a multiple of `users / group_size`.
pub struct Seeded {
    pub fresh: bool,
    pub pool: UserPoolUid,
    pub group: GroupUid,
}

impl Seeded {
    /// The pool and group of an earlier seed, by uid.
    pub fn given(pool: &str, group: &str) -> Result<Self, String> {
        Ok(Self {
            fresh: false,
            pool: UserPoolUid::parse(pool).map_err(|e| format!("--pool-uid: {e}"))?,
            group: GroupUid::parse(group).map_err(|e| format!("--group-uid: {e}"))?,
        })
    }
}

fn user(pool: &UserPoolUid, i: usize) -> User {
    let at = Timestamp::from_millis(T0 + i as i64 * 1000);
    // Updated in an order of their own: up to 40 days after creation, spread by a hash of `i`.
    let updated =
        Timestamp::from_millis(at.millis() + ((i * 2_654_435_761) % 3_456_000) as i64 * 1000);
    User {
        uid: UserUid::generate(),
        pool_uid: pool.clone(),
        profile: UserProfile {
            preferred_username: Some(format!("user{i:07}")),
            email: Some(format!("user{i}@bench.test")),
            phone_number: Some(format!("+86139{i:08}")),
            name: Some(format!(
                "{} {}",
                FIRST[(i * 7919) % FIRST.len()],
                LAST[(i * 104_729 / 7) % LAST.len()]
            )),
            ..UserProfile::default()
        },
        state: state(i),
        password_hash: None,
        latest_login: None,
        num_logins: 0,
        expiration_time: None,
        pwd_need_reset: false,
        data_source: "bench".to_owned(),
        created_at: at,
        updated_at: updated,
        group_uids: Vec::new(),
        department_uids: Vec::new(),
        generation: 0,
        failed_sign_ins: 0,
        locked_until: None,
    }
}

/// Most users are active; 1 in 50 is switched off, 1 in 200 locked, 1 in 500 unconfirmed.
pub fn state(i: usize) -> UserState {
    if i % 500 == 70 {
        UserState::Unconfirmed
    } else if i % 200 == 30 {
        UserState::Locked
    } else if i % 50 == 20 {
        UserState::Disabled
    } else {
        UserState::Confirmed
    }
}

async fn default_pool(store: &SqlStore) -> Result<PoolScope, String> {
    let account = store
        .ensure_account("default", Timestamp::from_millis(T0))
        .await
        .map_err(|e| e.to_string())?;
    let query = PoolQuery {
        filter: PoolFilter {
            name: Some(TextMatch::Exact("default".to_owned())),
            ..PoolFilter::default()
        },
        sort: (PoolSortField::CreateTime, SortDirection::Asc),
        paging: Paging::Page { number: 1, size: 1 },
    };
    let found = store
        .list_pools(&account.id, &query)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(v) = found.items.into_iter().next() {
        return Ok(PoolScope::trusted(&v.pool));
    }
    let now = Timestamp::from_millis(T0);
    let pool = UserPool {
        uid: UserPoolUid::generate(),
        account_id: account.id,
        name: "default".to_owned(),
        description: "benchmark".to_owned(),
        project_name: "default".to_owned(),
        enabled: true,
        settings: PoolSettings::default(),
        created_at: now,
        updated_at: now,
    };
    let root_uid = DepartmentUid::generate();
    let root = Department {
        path: format!("/{root_uid}/"),
        uid: root_uid,
        pool_uid: pool.uid.clone(),
        parent_uid: None,
        name: "default".to_owned(),
        description: String::new(),
        external_id: String::new(),
        source: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        name_path: "default".to_owned(),
        created_at: now,
        updated_at: now,
    };
    store
        .insert_pool(&pool, &root)
        .await
        .map_err(|e| e.to_string())?;
    Ok(PoolScope::trusted(&pool))
}

async fn group(store: &SqlStore, scope: &PoolScope) -> Result<GroupUid, String> {
    let query = GroupQuery {
        filter: GroupFilter {
            name: Some(TextMatch::Exact(GROUP.to_owned())),
            ..GroupFilter::default()
        },
        sort: (GroupSortField::Name, SortDirection::Asc),
        paging: Paging::Page { number: 1, size: 1 },
    };
    let found = store
        .query_groups(scope, &query)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(g) = found.items.into_iter().next() {
        return Ok(g.uid);
    }
    let now = Timestamp::from_millis(T0);
    let g = Group {
        uid: GroupUid::generate(),
        pool_uid: scope.pool_uid().clone(),
        name: GROUP.to_owned(),
        description: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        source: String::new(),
        member_count: 0,
        created_at: now,
        updated_at: now,
    };
    store
        .insert_group(scope, &g)
        .await
        .map_err(|e| e.to_string())?;
    Ok(g.uid)
}

/// Loads `users` users and a group of `group_size` of them, unless they are there already.
pub async fn ensure(store: &SqlStore, users: usize, group_size: usize) -> Result<Seeded, String> {
    let scope = default_pool(store).await?;
    let group = group(store, &scope).await?;
    let group_every = (users / group_size.max(1)).max(1);
    let count = UserQuery {
        conditions: Vec::new(),
        sort: UserSort {
            field: UserField::CreateTime,
            direction: SortDirection::Asc,
        },
        paging: Paging::Page { number: 1, size: 1 },
    };
    let have = store
        .query_users(&scope, &count)
        .await
        .map_err(|e| e.to_string())?
        .total as usize;
    if have >= users {
        return Ok(Seeded {
            fresh: false,
            pool: scope.pool_uid().clone(),
            group,
        });
    }
    let now = Timestamp::from_millis(T0);
    for start in (have..users).step_by(BATCH) {
        let end = (start + BATCH).min(users);
        let batch: Vec<User> = (start..end).map(|i| user(scope.pool_uid(), i)).collect();
        store
            .bulk_insert_users(&scope, &batch)
            .await
            .map_err(|e| e.to_string())?;
        let members: Vec<UserUid> = batch
            .iter()
            .enumerate()
            .filter(|(k, _)| (start + k).is_multiple_of(group_every))
            .map(|(_, u)| u.uid.clone())
            .collect();
        store
            .bulk_add_group_members(&scope, &group, &members, now)
            .await
            .map_err(|e| e.to_string())?;
        if start == have {
            // Statistics from the first batch on: otherwise PostgreSQL plans the member inserts'
            // `uid IN (…)` look-ups against tables it has never analysed, and scans them.
            store.analyze().await.map_err(|e| e.to_string())?;
        }
        if end.is_multiple_of(100_000) {
            eprintln!("seed: {end} users");
        }
    }
    store.analyze().await.map_err(|e| e.to_string())?;
    Ok(Seeded {
        fresh: true,
        pool: scope.pool_uid().clone(),
        group,
    })
}
