//! The server under test: an `idplane serve` process the soak starts on a free port with a
//! fresh data directory (or one it was pointed at), its health, its log, and its end.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::http::{Client, Request};

/// Environment variables that lift the failed-authentication throttles.
const UNTHROTTLED: &[&str] = &[
    "IDPLANE_THROTTLE_ADDRESS_BURST",
    "IDPLANE_THROTTLE_ADDRESS_PER_MINUTE",
    "IDPLANE_THROTTLE_CLIENT_BURST",
    "IDPLANE_THROTTLE_CLIENT_PER_MINUTE",
];

/// How to start a server.
pub struct Launch<'a> {
    pub bin: &'a str,
    pub key_id: &'a str,
    pub secret: &'a str,
    pub database_url: Option<&'a str>,
    pub database_schema: Option<&'a str>,
    pub keep_throttle: bool,
    pub log: &'a Path,
}

pub struct Server {
    child: Child,
    data_dir: PathBuf,
    pub host: String,
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

impl Server {
    /// Starts the server and waits until `/healthz` answers 200.
    pub async fn start(launch: &Launch<'_>) -> Result<Self, String> {
        let host = format!("127.0.0.1:{}", free_port()?);
        let data_dir = std::env::temp_dir().join(format!("idplane-soak-{}", std::process::id()));
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("making {}: {e}", data_dir.display()))?;
        let log = File::create(launch.log)
            .map_err(|e| format!("opening {}: {e}", launch.log.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(launch.bin);
        command
            .args(["serve", "--listen", &host])
            .arg("--data-dir")
            .arg(&data_dir)
            .env("IDPLANE_BOOTSTRAP_ACCESS_KEY_ID", launch.key_id)
            .env("IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY", launch.secret)
            .env("IDPLANE_RATE_LIMIT_PER_SECOND", "0")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        if std::env::var_os("IDPLANE_LOG_LEVEL").is_none() && std::env::var_os("RUST_LOG").is_none()
        {
            command.env("IDPLANE_LOG_LEVEL", "warn");
        }
        if let Some(url) = launch.database_url {
            command.env("IDPLANE_DATABASE_URL", url);
        }
        if let Some(schema) = launch.database_schema {
            command.env("IDPLANE_DATABASE_SCHEMA", schema);
        }
        if !launch.keep_throttle {
            for name in UNTHROTTLED {
                command.env(name, "1000000000");
            }
        }
        let child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", launch.bin))?;
        let mut server = Server {
            child,
            data_dir,
            host,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited at start ({status})"));
            }
            if healthy(&self.host).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the server did not answer /healthz with 200 within 30 s".to_owned())
    }

    /// How the process ended, if it did.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// SIGTERM, then the exit status; the data directory is removed.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self
            .child
            .wait()
            .map_or_else(|e| e.to_string(), |s| s.to_string());
        let _ = std::fs::remove_dir_all(&self.data_dir);
        status
    }
}

/// Whether `/healthz` answers 200.
pub async fn healthy(host: &str) -> bool {
    let mut client = Client::new(host);
    let request = Request::new("GET", "/healthz".to_owned(), host, "health");
    matches!(client.send(&request).await, Ok(r) if r.status == 200)
}

/// The log lines that tell of a panic.
pub fn panics_in(log: &Path) -> Vec<String> {
    let text = std::fs::read(log).unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| l.contains("panicked"))
        .map(str::to_owned)
        .collect()
}
