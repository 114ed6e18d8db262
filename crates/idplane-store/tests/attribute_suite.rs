//! The store suite for custom attribute declarations — names unique in any letter case, the
//! per-pool limit, updates, deletion refused while a user holds a value, pools kept apart —
//! run against SQLite and PostgreSQL. PostgreSQL tests read `IDPLANE_TEST_DATABASE_URL`; where
//! it is unset they print why and pass.

#![allow(clippy::unwrap_used, clippy::panic)]

use idplane_core::attribute_filter::{AttributeTest, Compare, Level, Relation, ValueTest};
use idplane_core::error::{AttributeError, DomainError};
use idplane_core::ids::CustomAttributeUid;
use idplane_core::model::custom_attribute::{AttributeType, CustomAttribute, Mutability};
use idplane_core::model::user::UserWrite;
use idplane_core::query::{UserCondition, UserQuery};
use idplane_core::store::*;
use idplane_store::SqlStore;

#[macro_use]
mod common;

use common::fixtures::{all, new_pool, ts, user};
use common::{Db, postgres_db, sqlite_db};

store_tests!(
    declarations,
    declarations_in_use,
    concurrent_declarations,
    value_index_is_filled_at_open
);

fn declared(scope: &PoolScope, name: &str) -> CustomAttribute {
    CustomAttribute {
        uid: CustomAttributeUid::generate(),
        pool_uid: scope.pool_uid().clone(),
        name: name.to_owned(),
        data_type: AttributeType::Number,
        mutability: Mutability::ReadWrite,
        minimum: Some(-3),
        maximum: None,
        created_at: ts(1),
        updated_at: ts(1),
    }
}

fn refused(result: Result<(), DomainError>) -> AttributeError {
    match result {
        Err(DomainError::Attribute(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn declarations(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let (other, _) = new_pool(&store, "acct").await;
    let a = declared(&scope, "Team");
    store.insert_attribute(&scope, &a, 3).await.unwrap();
    assert_eq!(store.attributes(&scope).await.unwrap(), vec![a.clone()]);
    assert_eq!(
        refused(
            store
                .insert_attribute(&scope, &declared(&scope, "team"), 3)
                .await
        ),
        AttributeError::NameTaken
    );
    store
        .insert_attribute(&other, &declared(&other, "team"), 3)
        .await
        .unwrap();
    store
        .insert_attribute(&scope, &declared(&scope, "b"), 3)
        .await
        .unwrap();
    store
        .insert_attribute(&scope, &declared(&scope, "c"), 3)
        .await
        .unwrap();
    assert_eq!(
        refused(
            store
                .insert_attribute(&scope, &declared(&scope, "d"), 3)
                .await
        ),
        AttributeError::TooMany(3)
    );

    let mut changed = a.clone();
    changed.mutability = Mutability::ReadOnly;
    changed.maximum = Some(9);
    changed.updated_at = ts(2);
    assert!(store.update_attribute(&scope, &changed).await.unwrap());
    let now = store.attributes(&scope).await.unwrap();
    assert_eq!(now.iter().find(|x| x.uid == a.uid), Some(&changed));
    assert!(
        !store.update_attribute(&other, &changed).await.unwrap(),
        "another pool's declaration is not there"
    );
    assert!(!store.delete_attribute(&other, &a.uid).await.unwrap());
    assert!(store.delete_attribute(&scope, &a.uid).await.unwrap());
    assert!(!store.delete_attribute(&scope, &a.uid).await.unwrap());
    assert_eq!(store.attributes(&other).await.unwrap().len(), 1);
    store.close().await;
}

async fn declarations_in_use(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let a = declared(&scope, "cost_center");
    let similar = declared(&scope, "cost");
    store.insert_attribute(&scope, &a, 50).await.unwrap();
    store.insert_attribute(&scope, &similar, 50).await.unwrap();
    let mut u = user(&scope, Some("holder"), 1);
    u.profile.custom_attributes = vec![("cost_center".to_owned(), "42".to_owned())];
    store.insert_user(&scope, &u).await.unwrap();
    match store.delete_attribute(&scope, &a.uid).await {
        Err(DomainError::Attribute(AttributeError::InUse)) => {}
        other => panic!("a held attribute must be kept, got {other:?}"),
    }
    assert!(
        store.delete_attribute(&scope, &similar.uid).await.unwrap(),
        "a name that only starts another one is not held"
    );
    u.profile.custom_attributes.clear();
    store
        .update_user(&scope, &u, UserWrite::default())
        .await
        .unwrap();
    assert!(store.delete_attribute(&scope, &a.uid).await.unwrap());
    store.close().await;
}

/// Check and write are one transaction: of concurrent declarations of one name, one lands;
/// concurrent declarations of different names never pass the limit.
async fn concurrent_declarations(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let tries = (0..8).map(|i| {
        let store: SqlStore = store.clone();
        let scope = scope.clone();
        tokio::spawn(async move {
            let same = store
                .insert_attribute(&scope, &declared(&scope, "shared"), 5)
                .await;
            let own = store
                .insert_attribute(&scope, &declared(&scope, &format!("n{i}")), 5)
                .await;
            (same.is_ok(), own.is_ok())
        })
    });
    let mut landed = (0, 0);
    for t in tries {
        let (same, own) = t.await.unwrap();
        landed.0 += usize::from(same);
        landed.1 += usize::from(own);
    }
    assert_eq!(landed.0, 1, "one declaration of a name");
    assert_eq!(
        store.attributes(&scope).await.unwrap().len(),
        5,
        "the limit holds"
    );
    store.close().await;
}

fn level_at_least(n: i64) -> UserQuery {
    all(vec![UserCondition::Attributes(Level {
        relation: Relation::And,
        terms: vec![AttributeTest {
            name: "level".to_owned(),
            test: ValueTest::Ordinal(Compare::GreaterOrEqual, n),
        }],
        groups: Vec::new(),
    })])
}

/// Users whose values were stored before the value index existed (its rows and the mark that
/// it was filled removed here) are found again once the store is opened: the rows are filled
/// in at start, once, and kept in step by writes after that.
async fn value_index_is_filled_at_open(db: &Db) {
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    let mut held = Vec::new();
    for (i, level) in ["7", "12", "-1"].into_iter().enumerate() {
        let mut u = user(&scope, Some(&format!("holder{i}")), 1);
        u.profile.custom_attributes = vec![("level".to_owned(), level.to_owned())];
        store.insert_user(&scope, &u).await.unwrap();
        held.push(u);
    }
    let found = |store: SqlStore, scope: PoolScope| async move {
        let page = store.query_users(&scope, &level_at_least(7)).await.unwrap();
        let mut names: Vec<String> = page
            .items
            .into_iter()
            .filter_map(|u| u.profile.preferred_username)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        found(store.clone(), scope.clone()).await,
        ["holder0", "holder1"]
    );
    store.close().await;

    db.raw(&[
        "DELETE FROM user_attribute_values".to_owned(),
        "DELETE FROM store_meta WHERE name = 'user_attribute_values'".to_owned(),
    ])
    .await;
    let store = db.open().await;
    assert_eq!(
        found(store.clone(), scope.clone()).await,
        ["holder0", "holder1"],
        "the rows were filled in at start"
    );
    held[2].profile.custom_attributes = vec![("level".to_owned(), "30".to_owned())];
    store
        .update_user(&scope, &held[2], UserWrite::default())
        .await
        .unwrap();
    store.close().await;
    let store = db.open().await;
    assert_eq!(
        found(store.clone(), scope.clone()).await,
        ["holder0", "holder1", "holder2"],
        "filled once: a later start keeps what writes made"
    );
    assert_eq!(
        db.raw_int("SELECT COUNT(*) FROM user_attribute_values")
            .await,
        3
    );
    store.close().await;
}
