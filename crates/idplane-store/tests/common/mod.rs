//! What every storage suite shares: a fresh database per test, on SQLite and (when
//! `IDPLANE_TEST_DATABASE_URL` is set) on PostgreSQL in a schema of its own, and the macro that
//! runs each test on both.

#![allow(dead_code, clippy::unwrap_used)]

use idplane_store::SqlStore;

pub mod fixtures;

/// A store on a fresh database, and what it takes to reopen or clean it up.
pub struct Db {
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn open(&self) -> SqlStore {
        match &self.schema {
            Some(s) => SqlStore::connect_with_schema(&self.url, s).await.unwrap(),
            None => SqlStore::connect(&self.url).await.unwrap(),
        }
    }

    pub async fn drop(&self) {
        if let Some(schema) = &self.schema {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.url).await.unwrap();
            pool.execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
            )))
            .await
            .unwrap();
        }
    }
}

pub fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    Db {
        url: format!("sqlite://{}", dir.path().join("test.db").display()),
        schema: None,
        _dir: Some(dir),
    }
}

pub fn postgres_db(test: &str) -> Option<Db> {
    let Ok(url) = std::env::var("IDPLANE_TEST_DATABASE_URL") else {
        println!("skipping PostgreSQL for {test}: IDPLANE_TEST_DATABASE_URL is unset");
        return None;
    };
    let unique = uuid::Uuid::new_v4().simple().to_string();
    Some(Db {
        url,
        schema: Some(format!("st_{}", &unique[..16])),
        _dir: None,
    })
}

macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::sqlite_db();
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::postgres_db(stringify!($name)) else { return };
                    super::$name(&db).await;
                    db.drop().await;
                }
            )*
        }
    };
}
