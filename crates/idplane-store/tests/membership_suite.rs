//! Batch membership reads on both backends: the groups and departments of several users, several
//! departments by uid, which users exist — each one read, scoped to its pool (another pool's ids
//! are never found). PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where it is unset they
//! print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use idplane_core::ids::{DepartmentUid, UserUid};
use idplane_core::store::*;

#[macro_use]
mod common;

use common::fixtures::{child_of, group, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(batch_membership_reads, batch_reads_of_nothing);

async fn batch_membership_reads(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let (other, other_root) = new_pool(&store, "acct").await;
    let users: Vec<_> = (0..3)
        .map(|i| user(&scope, Some(&format!("b{i}")), i))
        .collect();
    for u in &users {
        store.insert_user(&scope, u).await.unwrap();
    }
    let stranger = user(&other, Some("stranger"), 0);
    store.insert_user(&other, &stranger).await.unwrap();
    let (g1, g2) = (group(&scope, "g1"), group(&scope, "g2"));
    let foreign_group = group(&other, "g1");
    store.insert_group(&scope, &g1).await.unwrap();
    store.insert_group(&scope, &g2).await.unwrap();
    store.insert_group(&other, &foreign_group).await.unwrap();
    let (u0, u1) = (users[0].uid.clone(), users[1].uid.clone());
    store
        .add_group_members(&scope, &g2.uid, std::slice::from_ref(&u0), ts(0))
        .await
        .unwrap();
    store
        .add_group_members(&scope, &g1.uid, &[u0.clone(), u1.clone()], ts(5))
        .await
        .unwrap();
    store
        .add_group_members(
            &other,
            &foreign_group.uid,
            std::slice::from_ref(&stranger.uid),
            ts(0),
        )
        .await
        .unwrap();
    let a = child_of(&root, "a");
    let b = child_of(&a, "b");
    store.insert_department(&scope, &a).await.unwrap();
    store.insert_department(&scope, &b).await.unwrap();
    store
        .add_department_members(&scope, &b.uid, std::slice::from_ref(&u0), ts(0))
        .await
        .unwrap();
    store
        .add_department_members(&scope, &a.uid, std::slice::from_ref(&u0), ts(9))
        .await
        .unwrap();

    let asked = [
        u0.clone(),
        u1.clone(),
        users[2].uid.clone(),
        stranger.uid.clone(),
    ];
    let groups: Vec<(UserUid, String)> = store
        .groups_of_users(&scope, &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|(u, g)| (u, g.name))
        .collect();
    let mut want = vec![
        (u0.clone(), "g2".to_owned()),
        (u0.clone(), "g1".to_owned()),
        (u1.clone(), "g1".to_owned()),
    ];
    // By user (in uid order), then in the order each joined.
    want.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(groups, want);

    let departments: Vec<(UserUid, DepartmentUid)> = store
        .departments_of_users(&scope, &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|(u, d)| (u, d.department.uid))
        .collect();
    assert_eq!(
        departments,
        vec![(u0.clone(), b.uid.clone()), (u0.clone(), a.uid.clone())]
    );

    let by_uid: Vec<DepartmentUid> = store
        .departments_by_uid(
            &scope,
            &[
                b.uid.clone(),
                other_root.uid.clone(),
                root.uid.clone(),
                a.uid.clone(),
            ],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.department.uid)
        .collect();
    assert_eq!(
        by_uid,
        vec![root.uid.clone(), a.uid.clone(), b.uid.clone()],
        "by path, this pool's only"
    );

    let mut existing = store
        .existing_users(
            &scope,
            &[
                UserUid::generate(),
                stranger.uid.clone(),
                u1.clone(),
                u0.clone(),
            ],
        )
        .await
        .unwrap();
    existing.sort();
    let mut want = vec![u0, u1];
    want.sort();
    assert_eq!(existing, want);
}

async fn batch_reads_of_nothing(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    assert!(store.groups_of_users(&scope, &[]).await.unwrap().is_empty());
    assert!(
        store
            .departments_of_users(&scope, &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .departments_by_uid(&scope, &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.existing_users(&scope, &[]).await.unwrap().is_empty());
}
