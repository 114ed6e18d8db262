//! What the store does outside SQL before it opens a database: the SQLite file made private to
//! its owner, and a PostgreSQL server checked reachable with an answer that names it.

use std::fs::OpenOptions;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::Connection;

use crate::error::StoreError;

/// The file behind an `sqlite:` URL; `None` for an in-memory database.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Creates the database file readable and writable by its owner only (SQLite gives its WAL and
/// shared-memory files the database file's mode), and takes group and other access away from
/// files an older version created.
pub(crate) fn prepare(path: &Path) -> Result<(), StoreError> {
    let shown = path.display();
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(StoreError::Config(format!(
                "creating the SQLite database {shown}: {e}"
            )));
        }
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))
                .map_err(|e| {
                    StoreError::Config(format!(
                        "making {} private to its owner: {e}",
                        file.display()
                    ))
                })?;
        }
    }
    Ok(())
}

/// Where a PostgreSQL URL points, for messages: `host:port/database as user` (no password).
pub(crate) fn describe_postgres(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("localhost");
            let port = u.port().unwrap_or(5432);
            let db = u.path().trim_start_matches('/');
            let user = u.username();
            let mut out = format!("{host}:{port}");
            if !db.is_empty() {
                out.push_str(&format!(", database {db}"));
            }
            if !user.is_empty() {
                out.push_str(&format!(", user {user}"));
            }
            out
        }
        Err(_) => "(an unreadable URL)".to_owned(),
    }
}

/// One connection attempt within `timeout`, so an unreachable server is reported at once and
/// by name instead of after the pool's retries.
pub(crate) async fn reach_postgres(url: &str, timeout: Duration) -> Result<(), StoreError> {
    let target = describe_postgres(url);
    match tokio::time::timeout(timeout, sqlx::PgConnection::connect(url)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(StoreError::Config(format!(
            "cannot connect to PostgreSQL at {target}: {e}"
        ))),
        Err(_) => Err(StoreError::Config(format!(
            "cannot connect to PostgreSQL at {target}: no answer within {} s",
            timeout.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite:///d/idplane.db?mode=rwc"),
            Some(PathBuf::from("/d/idplane.db"))
        );
        assert_eq!(
            sqlite_file("sqlite://rel.db"),
            Some(PathBuf::from("rel.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://file?mode=memory"), None);
    }

    #[test]
    fn postgres_targets_never_show_the_password() {
        let d = describe_postgres("postgres://alice:s3cret@db.internal:6543/idp");
        assert_eq!(d, "db.internal:6543, database idp, user alice");
        assert!(!d.contains("s3cret"));
    }

    #[test]
    fn new_database_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        prepare(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
