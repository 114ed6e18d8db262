//! Batch membership reads on both backends: the groups and departments of several users, several
//! departments by uid, which users exist — each one read, scoped to its pool (another pool's ids
//! are never found). PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where it is unset they
//! print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use idplane_core::error::{DepartmentError, DomainError};
use idplane_core::ids::{DepartmentUid, GroupUid, UserUid};
use idplane_core::model::department::{DeleteOptions, MemberFilter, MemberPatch};
use idplane_core::model::user::Placement;
use idplane_core::store::*;
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{child_of, group, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    batch_membership_reads,
    batch_reads_of_nothing,
    moving_department_members,
    member_roles_and_primary,
    only_group_races,
    placed_users_are_one_write,
);

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
        .map(|(u, d)| (u, d.view.department.uid))
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

async fn moving_department_members(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let (from, to, gone) = (
        child_of(&root, "from"),
        child_of(&root, "to"),
        child_of(&root, "gone"),
    );
    for d in [&from, &to, &gone] {
        store.insert_department(&scope, d).await.unwrap();
    }
    let users: Vec<_> = (0..3)
        .map(|i| user(&scope, Some(&format!("mv{i}")), i))
        .collect();
    for u in &users {
        store.insert_user(&scope, u).await.unwrap();
    }
    let uids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    store
        .add_department_members(&scope, &from.uid, &uids[..2], ts(3))
        .await
        .unwrap();
    store
        .add_department_members(&scope, &to.uid, &uids[1..2], ts(7))
        .await
        .unwrap();
    let before = memberships(&store, &scope, &uids).await;
    // A user outside `from` refuses the whole move.
    let refused = store
        .move_department_members(&scope, &from.uid, &to.uid, &uids)
        .await;
    assert!(
        matches!(
            refused,
            Err(DomainError::Department(DepartmentError::NotAMember { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(memberships(&store, &scope, &uids).await, before);
    // A department deleted before the move: nothing moves.
    store
        .delete_department(&scope, &gone.uid, DeleteOptions::default())
        .await
        .unwrap();
    let refused = store
        .move_department_members(&scope, &from.uid, &gone.uid, &uids[..2])
        .await;
    assert!(
        matches!(refused, Err(ref e) if e.is_not_found()),
        "{refused:?}"
    );
    assert_eq!(memberships(&store, &scope, &uids).await, before);

    store
        .move_department_members(&scope, &from.uid, &to.uid, &uids[..2])
        .await
        .unwrap();
    let mut want = vec![
        (uids[0].clone(), to.uid.clone()),
        (uids[1].clone(), to.uid.clone()),
    ];
    want.sort();
    assert_eq!(memberships(&store, &scope, &uids).await, want);
    // uids[1] joined `from` before `to`: `to` is now primary for it (the earlier time kept).
    let other = child_of(&root, "other");
    store.insert_department(&scope, &other).await.unwrap();
    store
        .add_department_members(&scope, &other.uid, &uids[1..2], ts(5))
        .await
        .unwrap();
    let first = store.departments_of_user(&scope, &uids[1]).await.unwrap();
    assert_eq!(first[0].view.department.uid, to.uid);
    let to_view = store
        .get_department(&scope, &to.uid)
        .await
        .unwrap()
        .unwrap();
    let from_view = store
        .get_department(&scope, &from.uid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((to_view.direct_members, from_view.direct_members), (2, 0));
}

/// Every (user, department) membership of `users`, sorted.
async fn memberships(
    store: &SqlStore,
    scope: &PoolScope,
    users: &[UserUid],
) -> Vec<(UserUid, DepartmentUid)> {
    let mut pairs: Vec<(UserUid, DepartmentUid)> = store
        .departments_of_users(scope, users)
        .await
        .unwrap()
        .into_iter()
        .map(|(u, d)| (u, d.view.department.uid))
        .collect();
    pairs.sort();
    pairs
}

async fn member_roles_and_primary(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let (a, b) = (child_of(&root, "a"), child_of(&root, "b"));
    store.insert_department(&scope, &a).await.unwrap();
    store.insert_department(&scope, &b).await.unwrap();
    let users: Vec<_> = (0..3)
        .map(|i| user(&scope, Some(&format!("r{i}")), i))
        .collect();
    for u in &users {
        store.insert_user(&scope, u).await.unwrap();
    }
    let uids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    // Joined at the same moment: the tie is settled by path, the same way everywhere.
    store
        .add_department_members(&scope, &a.uid, &uids, ts(0))
        .await
        .unwrap();
    store
        .add_department_members(&scope, &b.uid, &uids[..1], ts(0))
        .await
        .unwrap();
    let listed = |department: DepartmentUid, filter: MemberFilter| {
        let (store, scope) = (store.clone(), scope.clone());
        async move {
            store
                .department_members(&scope, &department, &filter, 1, 10)
                .await
                .unwrap()
        }
    };
    let first = store.departments_of_user(&scope, &uids[0]).await.unwrap();
    let primary_of_u0 = first[0].view.department.uid.clone();
    let page = listed(primary_of_u0.clone(), MemberFilter::default()).await;
    let u0 = page.items.iter().find(|m| m.user_uid == uids[0]).unwrap();
    assert!(
        u0.is_primary,
        "the list and the user's own order agree on the primary"
    );

    let secondary = if primary_of_u0 == a.uid {
        b.uid.clone()
    } else {
        a.uid.clone()
    };
    let patch = MemberPatch {
        is_primary: Some(true),
        role: Some("lead".to_owned()),
    };
    store
        .update_department_member(&scope, &secondary, &uids[0], &patch)
        .await
        .unwrap();
    let now = store.departments_of_user(&scope, &uids[0]).await.unwrap();
    assert_eq!(now[0].view.department.uid, secondary);
    assert_eq!(now[0].role, "lead");
    let leads = listed(
        secondary.clone(),
        MemberFilter {
            is_primary: Some(true),
            role: Some("lead".to_owned()),
        },
    )
    .await;
    assert_eq!((leads.total, leads.items.len()), (1, 1));
    let in_a = listed(a.uid.clone(), MemberFilter::default()).await;
    assert_eq!(in_a.total, 3);
    let not_primary = listed(
        a.uid.clone(),
        MemberFilter {
            is_primary: Some(false),
            role: None,
        },
    )
    .await;
    assert_eq!(not_primary.total, i64::from(secondary != a.uid));

    let only = MemberPatch {
        is_primary: Some(false),
        role: None,
    };
    let refused = store
        .update_department_member(&scope, &a.uid, &uids[2], &only)
        .await;
    assert!(
        matches!(
            refused,
            Err(DomainError::Department(
                DepartmentError::OnlyDepartment { .. }
            ))
        ),
        "{refused:?}"
    );
    let stranger = store
        .update_department_member(&scope, &b.uid, &uids[2], &only)
        .await;
    assert!(
        matches!(stranger, Err(ref e) if e.is_not_found()),
        "{stranger:?}"
    );
}

/// Writers moving overlapping users into different groups at once (each locking every group it
/// changes, in one order) all finish, and the stored member counts match the memberships.
async fn only_group_races(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let groups: Vec<_> = (0..4).map(|i| group(&scope, &format!("race{i}"))).collect();
    for g in &groups {
        store.insert_group(&scope, g).await.unwrap();
    }
    let users: Vec<_> = (0..6)
        .map(|i| user(&scope, Some(&format!("race-u{i}")), i))
        .collect();
    for u in &users {
        store.insert_user(&scope, u).await.unwrap();
    }
    let uids: Vec<UserUid> = users.iter().map(|u| u.uid.clone()).collect();
    for g in &groups {
        store
            .add_group_members(&scope, &g.uid, &uids, ts(0))
            .await
            .unwrap();
    }
    let mut writers = Vec::new();
    for round in 0..12 {
        let (store, scope) = (store.clone(), scope.clone());
        let target = groups[round % groups.len()].uid.clone();
        let some: Vec<UserUid> = uids.iter().skip(round % 3).step_by(2).cloned().collect();
        writers.push(tokio::spawn(async move {
            store.set_only_group(&scope, &target, &some, ts(1)).await
        }));
    }
    for w in writers {
        w.await.unwrap().unwrap();
    }
    let pairs = store.groups_of_users(&scope, &uids).await.unwrap();
    for g in &groups {
        let stored = store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count;
        let counted = pairs.iter().filter(|(_, pg)| pg.uid == g.uid).count();
        assert_eq!(stored, i64::try_from(counted).unwrap(), "group {}", g.name);
    }
}

/// A user written with its departments and groups: all of it, or (a group or department not in
/// the pool) none of it.
async fn placed_users_are_one_write(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let (other, other_root) = new_pool(&store, "acct").await;
    let a = child_of(&root, "a");
    store.insert_department(&scope, &a).await.unwrap();
    let g = group(&scope, "g");
    let foreign = group(&other, "g");
    store.insert_group(&scope, &g).await.unwrap();
    store.insert_group(&other, &foreign).await.unwrap();
    let refused = [
        Placement {
            departments: vec![a.uid.clone()],
            groups: vec![g.uid.clone(), GroupUid::generate()],
        },
        Placement {
            departments: vec![a.uid.clone()],
            groups: vec![foreign.uid.clone()],
        },
        Placement {
            departments: vec![a.uid.clone(), other_root.uid.clone()],
            groups: vec![g.uid.clone()],
        },
    ];
    let u = user(&scope, Some("placed"), 0);
    for placement in &refused {
        let outcome = store.insert_placed_user(&scope, &u, placement).await;
        assert!(
            matches!(outcome, Err(ref e) if e.is_not_found()),
            "{outcome:?}"
        );
        assert!(store.get_user(&scope, &u.uid).await.unwrap().is_none());
        assert_eq!(
            store
                .get_group(&scope, &g.uid)
                .await
                .unwrap()
                .unwrap()
                .member_count,
            0
        );
    }
    let placement = Placement {
        departments: vec![a.uid.clone(), root.uid.clone()],
        groups: vec![g.uid.clone()],
    };
    store
        .insert_placed_user(&scope, &u, &placement)
        .await
        .unwrap();
    let of = store.departments_of_user(&scope, &u.uid).await.unwrap();
    let order: Vec<_> = of.iter().map(|m| m.view.department.uid.clone()).collect();
    assert_eq!(
        order,
        vec![a.uid.clone(), root.uid.clone()],
        "the first named is primary"
    );
    assert_eq!(
        store
            .get_group(&scope, &g.uid)
            .await
            .unwrap()
            .unwrap()
            .member_count,
        1
    );
}
