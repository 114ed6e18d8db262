//! Records the store suites build on: timestamps, pools with their root department, users,
//! groups and departments.

use idplane_core::clock::Timestamp;
use idplane_core::ids::{AccountId, DepartmentUid, GroupUid, UserPoolUid, UserUid};
use idplane_core::model::department::Department;
use idplane_core::model::group::Group;
use idplane_core::model::pool::{PoolSettings, UserPool};
use idplane_core::model::user::{User, UserProfile, UserState};
use idplane_core::query::{Paging, SortDirection, UserCondition, UserField, UserQuery, UserSort};
use idplane_core::store::{AccountStore, PoolScope, PoolStore};
use idplane_store::SqlStore;

pub const T0: i64 = 1_700_000_000_000;

pub fn ts(offset: i64) -> Timestamp {
    Timestamp::from_millis(T0 + offset)
}

pub fn pool_named(account: &AccountId, name: &str) -> (UserPool, Department) {
    let pool = UserPool {
        uid: UserPoolUid::generate(),
        account_id: account.clone(),
        name: name.to_owned(),
        description: String::new(),
        project_name: "default".to_owned(),
        enabled: true,
        settings: PoolSettings::default(),
        created_at: ts(0),
        updated_at: ts(0),
    };
    let root_uid = DepartmentUid::generate();
    let root = Department {
        path: format!("/{root_uid}/"),
        uid: root_uid,
        pool_uid: pool.uid.clone(),
        parent_uid: None,
        name: name.to_owned(),
        description: String::new(),
        external_id: String::new(),
        source: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        name_path: name.to_owned(),
        created_at: ts(0),
        updated_at: ts(0),
    };
    (pool, root)
}

pub async fn new_pool(store: &SqlStore, account: &str) -> (PoolScope, Department) {
    let acct = store.ensure_account(account, ts(0)).await.unwrap();
    let (pool, root) = pool_named(&acct.id, &format!("p-{}", UserPoolUid::generate()));
    store.insert_pool(&pool, &root).await.unwrap();
    (PoolScope::trusted(&pool), root)
}

pub fn user(scope: &PoolScope, username: Option<&str>, at: i64) -> User {
    User {
        uid: UserUid::generate(),
        pool_uid: scope.pool_uid().clone(),
        profile: UserProfile {
            preferred_username: username.map(str::to_owned),
            ..UserProfile::default()
        },
        state: UserState::Unconfirmed,
        password_hash: None,
        latest_login: None,
        num_logins: 0,
        expiration_time: None,
        pwd_need_reset: false,
        data_source: "test".to_owned(),
        created_at: ts(at),
        updated_at: ts(at),
        group_uids: Vec::new(),
        department_uids: Vec::new(),
        generation: 0,
        failed_sign_ins: 0,
        locked_until: None,
    }
}

pub fn group(scope: &PoolScope, name: &str) -> Group {
    Group {
        uid: GroupUid::generate(),
        pool_uid: scope.pool_uid().clone(),
        name: name.to_owned(),
        description: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        source: String::new(),
        member_count: 0,
        created_at: ts(0),
        updated_at: ts(0),
    }
}

pub fn child_of(parent: &Department, name: &str) -> Department {
    let uid = DepartmentUid::generate();
    Department {
        path: format!("{}{uid}/", parent.path),
        name_path: format!("{}/{name}", parent.name_path),
        uid,
        pool_uid: parent.pool_uid.clone(),
        parent_uid: Some(parent.uid.clone()),
        name: name.to_owned(),
        description: String::new(),
        external_id: String::new(),
        source: String::new(),
        precedence: 0,
        iam_role_trn: String::new(),
        created_at: ts(0),
        updated_at: ts(0),
    }
}

/// A search for every user under `conditions`, oldest first, one page of 100.
pub fn all(conditions: Vec<UserCondition>) -> UserQuery {
    UserQuery {
        conditions,
        sort: UserSort {
            field: UserField::CreateTime,
            direction: SortDirection::Asc,
        },
        paging: Paging::Page {
            number: 1,
            size: 100,
        },
    }
}
