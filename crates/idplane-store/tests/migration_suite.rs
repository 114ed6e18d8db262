//! SQLite migrations against databases sqlx's migrator made: one fully migrated, with data,
//! opens unchanged; one whose recorded migration differs from the shipped file is refused.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use common::fixtures::new_pool;
use common::{Db, postgres_db, sqlite_db, sqlite_migrated_by_sqlx};
use idplane_core::store::{PoolStore, UserStore};
use idplane_store::SqlStore;

// The macro's PostgreSQL half skips these (they are about SQLite's own runner).
store_tests!(fresh_database_records_every_migration);

async fn fresh_database_records_every_migration(db: &Db) {
    let store = db.open().await;
    store.close().await;
    let shipped = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        if db.schema.is_some() {
            "migrations/postgres"
        } else {
            "migrations/sqlite"
        },
    ))
    .unwrap()
    .count();
    let recorded = db
        .raw_int("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .await;
    assert_eq!(recorded, i64::try_from(shipped).unwrap());
}

#[tokio::test]
async fn a_database_sqlx_migrated_opens_unchanged() {
    let db = sqlite_db();
    let path = db.sqlite_path().unwrap();
    sqlite_migrated_by_sqlx(&path, "9999");
    db.raw(&[
        "INSERT INTO accounts (id, name, created_at) VALUES ('a1', 'acct', 0)".to_owned(),
        "INSERT INTO user_pools (uid, account_id, name, settings, created_at, updated_at) \
         VALUES ('up-old', 'a1', 'old', '{}', 0, 0)"
            .to_owned(),
        "INSERT INTO users (uid, pool_uid, preferred_username, display_name, state, \
         created_at, updated_at) VALUES ('u-old', 'up-old', 'old', 'Old One', 'CONFIRMED', 5, 7)"
            .to_owned(),
    ])
    .await;
    let before = db.raw_int("SELECT COUNT(*) FROM _sqlx_migrations").await;
    let times = db
        .raw_int("SELECT SUM(execution_time) FROM _sqlx_migrations")
        .await;
    let store = db.open().await;
    let account = idplane_core::ids::AccountId::from_stored("a1".to_owned());
    let pool = store
        .find_pool_by_name(&account, "old")
        .await
        .unwrap()
        .unwrap();
    let scope = idplane_core::store::PoolScope::trusted(&pool);
    let user = idplane_core::ids::UserUid::from_stored("u-old".to_owned());
    let found = store.get_user(&scope, &user).await.unwrap().unwrap();
    assert_eq!(found.profile.preferred_username.as_deref(), Some("old"));
    store.close().await;
    assert_eq!(
        db.raw_int("SELECT COUNT(*) FROM _sqlx_migrations").await,
        before,
        "nothing applied twice"
    );
    assert_eq!(
        db.raw_int("SELECT SUM(execution_time) FROM _sqlx_migrations")
            .await,
        times,
        "the records are left as they were"
    );
    // And it goes on working: a new pool is written and read back.
    let store = db.open().await;
    let (scope, _) = new_pool(&store, "acct").await;
    assert!(store.get_pool(&account, scope.pool_uid()).await.is_ok());
    store.close().await;
}

#[tokio::test]
async fn a_changed_migration_is_refused() {
    let db = sqlite_db();
    let path = db.sqlite_path().unwrap();
    sqlite_migrated_by_sqlx(&path, "9999");
    db.raw(&["UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 2".to_owned()])
        .await;
    let Err(e) = SqlStore::connect(&db.url).await else {
        panic!("a changed migration must stop the start");
    };
    assert!(e.to_string().contains("migration 2"), "{e}");
}

#[tokio::test]
async fn a_partly_applied_migration_is_refused() {
    let db = sqlite_db();
    let path = db.sqlite_path().unwrap();
    sqlite_migrated_by_sqlx(&path, "9999");
    db.raw(&["UPDATE _sqlx_migrations SET success = FALSE WHERE version = 3".to_owned()])
        .await;
    assert!(SqlStore::connect(&db.url).await.is_err());
}

#[tokio::test]
async fn an_in_memory_database_reads_its_writes() {
    let store = SqlStore::connect("sqlite::memory:").await.unwrap();
    let (scope, _) = new_pool(&store, "acct").await;
    let user = common::fixtures::user(&scope, Some("mem"), 1);
    store.insert_user(&scope, &user).await.unwrap();
    let found = store.get_user(&scope, &user.uid).await.unwrap();
    assert!(found.is_some());
}
