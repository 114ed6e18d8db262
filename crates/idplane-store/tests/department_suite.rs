//! The store suite for the department tree: paths, moves, members and counts, and racing moves
//! that must not make a cycle, run against SQLite and PostgreSQL. PostgreSQL tests read
//! `IDPLANE_TEST_DATABASE_URL`; where it is unset they print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use idplane_core::error::{DepartmentError, DomainError};
use idplane_core::model::department::DeleteOptions;
use idplane_core::query::*;
use idplane_core::store::*;

#[macro_use]
mod common;

use common::fixtures::{child_of, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(departments_tree, department_races,);

async fn departments_tree(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let a = child_of(&root, "a");
    let b = child_of(&a, "b");
    let c = child_of(&b, "c");
    let x = child_of(&root, "x");
    for d in [&a, &b, &c, &x] {
        store.insert_department(&scope, d).await.unwrap();
    }
    assert!(matches!(
        store.insert_department(&scope, &child_of(&a, "b")).await,
        Err(DomainError::Department(DepartmentError::NameTaken))
    ));
    let u1 = user(&scope, Some("u1"), 0);
    let u2 = user(&scope, Some("u2"), 0);
    store.insert_user(&scope, &u1).await.unwrap();
    store.insert_user(&scope, &u2).await.unwrap();
    store
        .add_department_members(&scope, &c.uid, &[u1.uid.clone(), u2.uid.clone()], ts(0))
        .await
        .unwrap();
    store
        .add_department_members(&scope, &a.uid, std::slice::from_ref(&u1.uid), ts(1))
        .await
        .unwrap();
    let va = store.get_department(&scope, &a.uid).await.unwrap().unwrap();
    assert_eq!(
        (va.direct_children, va.direct_members, va.members),
        (1, 1, 2)
    );
    let vr = store.root_department(&scope).await.unwrap().unwrap();
    assert_eq!(
        (vr.department.uid.clone(), vr.direct_children, vr.members),
        (root.uid.clone(), 2, 2)
    );
    let depth1 = store.subtree(&scope, &root.path, Some(1)).await.unwrap();
    assert_eq!(depth1.len(), 3);
    assert_eq!(
        store.subtree(&scope, &root.path, None).await.unwrap().len(),
        5
    );

    // Move b (with c) under x and rename it: both paths of the subtree follow.
    let mut moved = b.clone();
    moved.parent_uid = Some(x.uid.clone());
    moved.name = "bee".to_owned();
    moved.path = "stale/".to_owned();
    moved.name_path = "stale".to_owned();
    let stored = store.update_department(&scope, &moved).await.unwrap();
    assert_eq!(stored.path, format!("{}{}/", x.path, b.uid));
    assert_eq!(stored.name_path, format!("{}/bee", x.name_path));
    // Under its own descendant: refused by the store itself.
    let mut cycle = x.clone();
    cycle.parent_uid = Some(c.uid.clone());
    assert!(matches!(
        store.update_department(&scope, &cycle).await,
        Err(DomainError::Invalid { .. })
    ));
    let vc = store
        .get_department(&scope, &c.uid)
        .await
        .unwrap()
        .unwrap()
        .department;
    assert_eq!(vc.path, format!("{}{}/{}/", x.path, b.uid, c.uid));
    assert_eq!(vc.name_path, format!("{}/bee/c", x.name_path));
    assert_eq!(
        store
            .get_department(&scope, &a.uid)
            .await
            .unwrap()
            .unwrap()
            .members,
        1
    );
    assert_eq!(
        store
            .get_department(&scope, &x.uid)
            .await
            .unwrap()
            .unwrap()
            .members,
        2
    );
    let of_u1 = store.departments_of_user(&scope, &u1.uid).await.unwrap();
    assert_eq!(
        of_u1
            .iter()
            .map(|m| m.view.department.uid.clone())
            .collect::<Vec<_>>(),
        vec![c.uid.clone(), a.uid.clone()]
    );
    let q = DepartmentQuery {
        filter: DepartmentFilter {
            parent: Some(root.uid.clone()),
            ..DepartmentFilter::default()
        },
        sort: (DepartmentSortField::Name, SortDirection::Desc),
        paging: Paging::Cursor {
            token: None,
            limit: 1,
        },
    };
    let first = store.query_departments(&scope, &q).await.unwrap();
    assert_eq!(
        (first.total, first.items[0].department.name.as_str()),
        (2, "x")
    );
    let second = store
        .query_departments(
            &scope,
            &DepartmentQuery {
                paging: Paging::Cursor {
                    token: first.next_token,
                    limit: 1,
                },
                ..q
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items[0].department.name, "a");
    assert!(second.next_token.is_none());

    let keep = DeleteOptions::default();
    // Children are refused first; with them allowed, the members below are refused (none of
    // them in `x` itself).
    for (options, reason) in [
        (keep, DepartmentError::HasChildren),
        (
            DeleteOptions {
                force_delete_children: true,
                ..keep
            },
            DepartmentError::DescendantsHaveMembers,
        ),
    ] {
        match store.delete_department(&scope, &x.uid, options).await {
            Err(DomainError::Department(got)) => assert_eq!(got, reason),
            other => panic!("expected {reason:?}, got {other:?}"),
        }
    }
    let force = DeleteOptions {
        force_delete_children: true,
        force_delete_members: true,
    };
    assert!(
        store
            .delete_department(&scope, &x.uid, force)
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_department(&scope, &x.uid, force)
            .await
            .unwrap()
    );
    assert!(matches!(
        store
            .insert_department(&scope, &child_of(&c, "orphan"))
            .await,
        Err(DomainError::Department(DepartmentError::NotFound(_)))
    ));
    for gone in [&x.uid, &b.uid, &c.uid] {
        assert!(store.get_department(&scope, gone).await.unwrap().is_none());
    }
    assert!(
        store
            .get_user(&scope, &u2.uid)
            .await
            .unwrap()
            .unwrap()
            .department_uids
            .is_empty()
    );
    assert_eq!(
        store
            .get_user(&scope, &u1.uid)
            .await
            .unwrap()
            .unwrap()
            .department_uids,
        vec![a.uid.clone()]
    );
}

/// Writers racing on one tree: opposite moves never make a cycle, and a delete without force
/// never takes a child or a member created at the same moment with it.
async fn department_races(db: &Db) {
    let store = db.open().await;
    let (scope, root) = new_pool(&store, "acct").await;
    let u = user(&scope, Some("member"), 0);
    store.insert_user(&scope, &u).await.unwrap();
    for round in 0..8 {
        let a = child_of(&root, &format!("a{round}"));
        let b = child_of(&root, &format!("b{round}"));
        store.insert_department(&scope, &a).await.unwrap();
        store.insert_department(&scope, &b).await.unwrap();
        let (mut a_under_b, mut b_under_a) = (a.clone(), b.clone());
        a_under_b.parent_uid = Some(b.uid.clone());
        b_under_a.parent_uid = Some(a.uid.clone());
        let (s1, s2) = (store.clone(), store.clone());
        let (sc1, sc2) = (scope.clone(), scope.clone());
        let (r1, r2) = tokio::join!(
            tokio::spawn(async move { s1.update_department(&sc1, &a_under_b).await }),
            tokio::spawn(async move { s2.update_department(&sc2, &b_under_a).await }),
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert!(
            r1.is_ok() != r2.is_ok(),
            "exactly one opposite move wins: {r1:?} {r2:?}"
        );
        let loser = if r1.is_ok() { r2 } else { r1 };
        assert!(matches!(loser, Err(DomainError::Invalid { .. })));

        // Delete (no force) against a new child, then against a new member.
        let d = child_of(&root, &format!("d{round}"));
        store.insert_department(&scope, &d).await.unwrap();
        let child = child_of(&d, "child");
        let (s1, s2) = (store.clone(), store.clone());
        let (sc1, sc2) = (scope.clone(), scope.clone());
        let d_uid = d.uid.clone();
        let (del, add) = tokio::join!(
            tokio::spawn(async move {
                s1.delete_department(&sc1, &d_uid, DeleteOptions::default())
                    .await
            }),
            tokio::spawn(async move { s2.insert_department(&sc2, &child).await }),
        );
        match (del.unwrap(), add.unwrap()) {
            (Ok(true), Err(ref e)) if e.is_not_found() => {}
            (Err(DomainError::Department(DepartmentError::HasChildren)), Ok(_)) => {}
            other => panic!("delete vs new child: {other:?}"),
        }
        let e = child_of(&root, &format!("e{round}"));
        store.insert_department(&scope, &e).await.unwrap();
        let (s1, s2) = (store.clone(), store.clone());
        let (sc1, sc2) = (scope.clone(), scope.clone());
        let (e1, e2) = (e.uid.clone(), e.uid.clone());
        let member = u.uid.clone();
        let (del, add) = tokio::join!(
            tokio::spawn(async move {
                s1.delete_department(&sc1, &e1, DeleteOptions::default())
                    .await
            }),
            tokio::spawn(
                async move { s2.add_department_members(&sc2, &e2, &[member], ts(1)).await }
            ),
        );
        match (del.unwrap(), add.unwrap()) {
            (Ok(true), Err(ref e)) if e.is_not_found() => {}
            (Err(DomainError::Department(DepartmentError::HasMembers)), Ok(())) => {}
            other => panic!("delete vs new member: {other:?}"),
        }
    }
}
