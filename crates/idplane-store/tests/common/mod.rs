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
            let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
            pool.execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
            )))
            .await
            .unwrap();
            pool.close().await;
        }
    }

    /// The SQLite database's file (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.schema {
            Some(_) => None,
            None => self
                .url
                .strip_prefix("sqlite://")
                .map(std::path::PathBuf::from),
        }
    }

    /// Runs `statements` against the test database as they are (in its schema on
    /// PostgreSQL), outside the store.
    pub async fn raw(&self, statements: &[String]) {
        match self.sqlite_path() {
            Some(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                for s in statements {
                    conn.execute_batch(s).unwrap();
                }
            }
            None => {
                use sqlx::{Connection, Executor};
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                if let Some(schema) = &self.schema {
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "SET search_path TO \"{schema}\""
                    )))
                    .await
                    .unwrap();
                }
                for s in statements {
                    conn.execute(sqlx::AssertSqlSafe(s.clone())).await.unwrap();
                }
                conn.close().await.unwrap();
            }
        }
    }

    /// One integer `sql` reads (a count), outside the store.
    pub async fn raw_int(&self, sql: &str) -> i64 {
        match self.sqlite_path() {
            Some(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.query_row(sql, [], |row| row.get(0)).unwrap()
            }
            None => {
                use sqlx::{Connection, Executor};
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                if let Some(schema) = &self.schema {
                    conn.execute(sqlx::AssertSqlSafe(format!(
                        "SET search_path TO \"{schema}\""
                    )))
                    .await
                    .unwrap();
                }
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                n
            }
        }
    }
}

/// Creates the tables of the SQLite migrations named before `below` (a file-name prefix such
/// as `"0004"`) in the database at `path`, recording them exactly as sqlx's SQLite migrator
/// did: its table, its description (the file name's words), the SHA-384 of the file.
pub fn sqlite_migrated_by_sqlx(path: &std::path::Path, below: &str) {
    use sha2::{Digest, Sha384};
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);",
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name.as_str() >= below {
            continue;
        }
        let (version, words) = name.split_once('_').unwrap();
        let bytes = std::fs::read(&path).unwrap();
        conn.execute_batch(&format!(
            "BEGIN; {} ; COMMIT;",
            String::from_utf8(bytes.clone()).unwrap()
        ))
        .unwrap();
        conn.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?1, ?2, TRUE, ?3, 1000)",
            rusqlite::params![
                version.parse::<i64>().unwrap(),
                words.replace('_', " "),
                Sha384::digest(&bytes).to_vec()
            ],
        )
        .unwrap();
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
