//! Configuration: one typed struct, layered defaults → TOML file → `IDPLANE_*` environment →
//! command-line flags, validated once at start. Secrets never print.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use idplane_core::model::activity::MauZone;
use idplane_core::throttle::{Budget, LockoutPolicy, ThrottlePolicy};
use serde::{Deserialize, Serialize};

use crate::cli::CommonArgs;

/// A value that must not appear in logs or debug output.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub database_schema: Option<String>,
    /// The external base URL (issuer and endpoint URLs); default `http://{listen}`.
    pub public_url: Option<String>,
    /// 64 hex digits or base64 of 32 bytes; default: a key file generated in the data dir.
    pub master_key: Option<Secret>,
    pub bootstrap_access_key_id: Option<String>,
    pub bootstrap_secret_access_key: Option<Secret>,
    /// Requests per second per access key; 0 turns throttling off.
    pub rate_limit_per_second: u32,
    /// Burst size per access key; default twice the rate.
    pub rate_limit_burst: Option<u32>,
    /// `text` or `json`.
    pub log_format: String,
    /// A tracing filter such as `info` or `idplane=debug`.
    pub log_level: String,
    /// Seconds to wait for in-flight requests at shutdown.
    pub shutdown_grace_seconds: u64,
    /// The time zone of the calendar months monthly active users are counted in: `UTC`, an IANA
    /// name (`Asia/Shanghai`) or a fixed offset (`+08:00`).
    pub mau_time_zone: String,
    /// SQLite durability: `full` (a commit is on disk before it is acknowledged) or `normal`
    /// (faster; a power loss may drop the last commits).
    pub sqlite_synchronous: String,
    /// Seconds to wait for the database to accept a connection at start.
    pub database_connect_timeout_seconds: u64,
    /// Consecutive failed passwords that lock a user's password sign-in for a while.
    pub lockout_threshold: u32,
    /// How long the first lock lasts; each further failure doubles it.
    pub lockout_base_seconds: u64,
    /// The longest a lock lasts before the next attempt is allowed.
    pub lockout_max_seconds: u64,
    /// Consecutive failures after which the lock lasts until an administrator lifts it.
    pub lockout_max_failures: u32,
    /// Failed authentications one source address may make at once…
    pub throttle_address_burst: u32,
    /// …and how many more it is allowed each minute after that.
    pub throttle_address_per_minute: u32,
    /// Failed authentications of one client (wrong secret) at once…
    pub throttle_client_burst: u32,
    /// …and per minute after that.
    pub throttle_client_per_minute: u32,
    /// A header a trusted reverse proxy sets to the client's address (`X-Forwarded-For`,
    /// `X-Real-IP`, `Forwarded`); unset, the peer address is the source.
    pub trusted_proxy_header: Option<String>,
    /// Comma-separated addresses or CIDR blocks of the proxies whose header is believed; unset,
    /// any peer's is (the proxy must then be the only way in).
    pub trusted_proxies: Option<String>,
    /// Seconds a client has to send a request's head once it began.
    pub header_read_timeout_seconds: u64,
    /// Seconds a client has to send a request's body.
    pub body_read_timeout_seconds: u64,
    /// Seconds a connection may stay open with no request begun.
    pub idle_timeout_seconds: u64,
    /// Connections open at once; more are closed as they arrive. 0: three quarters of the
    /// process's file-descriptor limit, at most 10,000.
    pub max_connections: u32,
    /// PEM certificate chain: with `tls_key`, the server speaks HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
}

/// Settings that are text, read from the environment as written (a value of digits alone is
/// still text: a master key may be 64 decimal digits).
const TEXT_SETTINGS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "database_schema",
    "public_url",
    "master_key",
    "bootstrap_access_key_id",
    "bootstrap_secret_access_key",
    "log_format",
    "log_level",
    "mau_time_zone",
    "sqlite_synchronous",
    "trusted_proxy_header",
    "trusted_proxies",
    "tls_cert",
    "tls_key",
];

/// `IDPLANE_*` variables that are not settings (the test harness's own).
const NOT_SETTINGS: &[&str] = &["config", "test_database_url", "bin"];

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./idplane-data"),
            database_url: None,
            database_schema: None,
            public_url: None,
            master_key: None,
            bootstrap_access_key_id: None,
            bootstrap_secret_access_key: None,
            rate_limit_per_second: 1000,
            rate_limit_burst: None,
            log_format: "text".to_owned(),
            log_level: "info".to_owned(),
            shutdown_grace_seconds: 30,
            mau_time_zone: "UTC".to_owned(),
            sqlite_synchronous: "full".to_owned(),
            database_connect_timeout_seconds: 10,
            lockout_threshold: 5,
            lockout_base_seconds: 60,
            lockout_max_seconds: 3600,
            lockout_max_failures: 100,
            throttle_address_burst: 100,
            throttle_address_per_minute: 10,
            throttle_client_burst: 100,
            throttle_client_per_minute: 60,
            trusted_proxy_header: None,
            trusted_proxies: None,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            idle_timeout_seconds: 60,
            max_connections: 0,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Flags given on the command line, as the top layer.
#[derive(Serialize)]
struct FlagLayer {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_key: Option<PathBuf>,
}

impl Config {
    pub fn load(args: &CommonArgs) -> Result<Self, String> {
        let file = args
            .config
            .clone()
            .or_else(|| std::env::var_os("IDPLANE_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            check_file_keys(&path)?;
            figment = figment.merge(Toml::file(path));
        }
        warn_unknown_env();
        let mut ignored: Vec<&str> = NOT_SETTINGS.to_vec();
        ignored.extend_from_slice(TEXT_SETTINGS);
        let config: Config = figment
            .merge(Env::prefixed("IDPLANE_").ignore(&ignored))
            .merge(Serialized::defaults(text_env()))
            .merge(Serialized::defaults(FlagLayer {
                listen: args.listen.clone(),
                data_dir: args.data_dir.clone(),
                database_url: args.database_url.clone(),
                database_schema: args.database_schema.clone(),
                tls_cert: args.tls_cert.clone(),
                tls_key: args.tls_key.clone(),
            }))
            .extract()
            .map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        self.listen
            .parse::<SocketAddr>()
            .map_err(|e| format!("listen address {:?}: {e}", self.listen))?;
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://")
                || url.starts_with("postgresql://")
                || url.starts_with("sqlite:"))
        {
            return Err(
                "database_url must start with postgres://, postgresql:// or sqlite:".into(),
            );
        }
        if let Some(schema) = &self.database_schema
            && (schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err("database_schema may only contain letters, digits and _".into());
        }
        if self.bootstrap_access_key_id.is_some() != self.bootstrap_secret_access_key.is_some() {
            return Err(
                "set both IDPLANE_BOOTSTRAP_ACCESS_KEY_ID and IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY, or neither"
                    .into(),
            );
        }
        self.mau_zone()?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err("log_format must be text or json".into());
        }
        self.synchronous()?;
        if let Some(url) = &self.public_url {
            check_public_url(url)?;
        }
        if self.database_connect_timeout_seconds == 0 {
            return Err("database_connect_timeout_seconds must be at least 1".into());
        }
        self.throttle()?;
        crate::source::SourcePolicy::from_config(self)?;
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(
                "set both tls_cert and tls_key (IDPLANE_TLS_CERT, IDPLANE_TLS_KEY), or neither"
                    .into(),
            );
        }
        for (name, value) in [
            (
                "header_read_timeout_seconds",
                self.header_read_timeout_seconds,
            ),
            ("body_read_timeout_seconds", self.body_read_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
        ] {
            if value == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }

    /// The bounds every connection is held to.
    pub fn limits(&self) -> crate::listener::Limits {
        let max_connections = match self.max_connections {
            0 => {
                let (soft, _) = rustix::process::getrlimit(rustix::process::Resource::Nofile)
                    .current
                    .map_or((1024, ()), |n| (n, ()));
                usize::try_from(soft / 4 * 3)
                    .unwrap_or(10_000)
                    .clamp(64, 10_000)
            }
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        crate::listener::Limits {
            header: Duration::from_secs(self.header_read_timeout_seconds),
            idle: Duration::from_secs(self.idle_timeout_seconds),
            max_connections,
        }
    }

    /// The throttle and lockout settings, checked.
    pub fn throttle(&self) -> Result<ThrottlePolicy, String> {
        let at_least_one = [
            ("lockout_threshold", u64::from(self.lockout_threshold)),
            ("lockout_base_seconds", self.lockout_base_seconds),
            (
                "throttle_address_burst",
                u64::from(self.throttle_address_burst),
            ),
            (
                "throttle_address_per_minute",
                u64::from(self.throttle_address_per_minute),
            ),
            (
                "throttle_client_burst",
                u64::from(self.throttle_client_burst),
            ),
            (
                "throttle_client_per_minute",
                u64::from(self.throttle_client_per_minute),
            ),
        ];
        if let Some((name, _)) = at_least_one.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} must be at least 1"));
        }
        if self.lockout_max_seconds < self.lockout_base_seconds {
            return Err("lockout_max_seconds must be at least lockout_base_seconds".into());
        }
        if self.lockout_max_failures < self.lockout_threshold {
            return Err("lockout_max_failures must be at least lockout_threshold".into());
        }
        Ok(ThrottlePolicy {
            address: Budget {
                burst: self.throttle_address_burst,
                per_minute: self.throttle_address_per_minute,
            },
            client: Budget {
                burst: self.throttle_client_burst,
                per_minute: self.throttle_client_per_minute,
            },
            lockout: LockoutPolicy {
                threshold: self.lockout_threshold,
                base: Duration::from_secs(self.lockout_base_seconds),
                max: Duration::from_secs(self.lockout_max_seconds),
                max_failures: self.lockout_max_failures,
            },
        })
    }

    /// SQLite's `synchronous` setting.
    pub fn synchronous(&self) -> Result<idplane_store::Synchronous, String> {
        idplane_store::Synchronous::parse(&self.sqlite_synchronous).ok_or_else(|| {
            format!(
                "sqlite_synchronous must be full or normal, got {:?}",
                self.sqlite_synchronous
            )
        })
    }

    /// The zone of `mau_time_zone`.
    pub fn mau_zone(&self) -> Result<MauZone, String> {
        MauZone::parse(&self.mau_time_zone).map_err(|e| format!("mau_time_zone: {e}"))
    }

    /// The store URL: the configured database, else SQLite in the data dir.
    pub fn store_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("idplane.db").display()),
        }
    }

    /// Whether the store is SQLite (in the data directory or at a `sqlite:` URL).
    pub fn uses_sqlite(&self) -> bool {
        self.database_url
            .as_deref()
            .is_none_or(|u| u.starts_with("sqlite:"))
    }

    /// The certificate and key files, when the server speaks HTTPS.
    pub fn tls(&self) -> Option<crate::tls::TlsFiles> {
        Some(crate::tls::TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    pub fn public_url(&self, bound: SocketAddr) -> String {
        let scheme = if self.tls().is_some() {
            "https"
        } else {
            "http"
        };
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("{scheme}://{bound}"),
        }
    }
}

/// The setting names (the TOML keys), as `Config` spells them.
fn known_keys() -> Vec<String> {
    match serde_json::to_value(Config::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A configuration file may hold only known settings: a misspelt key is an error, not a
/// setting silently left at its default.
fn check_file_keys(path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading config file {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("config file {}: {e}", path.display()))?;
    let known = known_keys();
    let unknown: Vec<&str> = table
        .keys()
        .map(String::as_str)
        .filter(|k| !known.iter().any(|n| n == k))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(format!(
        "config file {}: unknown setting{} {}; the settings are: {}",
        path.display(),
        if unknown.len() == 1 { "" } else { "s" },
        unknown.join(", "),
        known.join(", ")
    ))
}

/// The text settings given as `IDPLANE_*` variables, exactly as written.
fn text_env() -> serde_json::Map<String, serde_json::Value> {
    TEXT_SETTINGS
        .iter()
        .filter_map(|name| {
            let value = std::env::var(format!("IDPLANE_{}", name.to_ascii_uppercase())).ok()?;
            Some(((*name).to_owned(), serde_json::Value::String(value)))
        })
        .collect()
}

/// An `IDPLANE_*` variable that names no setting is most likely a misspelling: say so.
fn warn_unknown_env() {
    let known = known_keys();
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let Some(setting) = name.strip_prefix("IDPLANE_") else {
            continue;
        };
        let setting = setting.to_ascii_lowercase();
        if !known.contains(&setting) && !NOT_SETTINGS.contains(&setting.as_str()) {
            eprintln!("idplane: warning: {name} is not a setting and is ignored");
        }
    }
}

/// The external base URL: an absolute `http` or `https` URL with a host, without user
/// information, query or fragment (issuer URLs are built by appending to it).
fn check_public_url(text: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("public_url {text:?}: {why}"));
    let url = match url::Url::parse(text) {
        Ok(u) => u,
        Err(e) => return bad(&e.to_string()),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return bad("the scheme must be http or https");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return bad("a host is required");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("user information is not allowed");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("a query or fragment is not allowed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let c = Config {
            bootstrap_secret_access_key: Some(Secret("hunter2hunter2".into())),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn mau_time_zone_is_checked() {
        let mut c = Config::default();
        assert_eq!(c.mau_zone().unwrap().name(), "UTC");
        for good in ["Asia/Shanghai", "+08:00", "-03:30", "UTC"] {
            c.mau_time_zone = good.to_owned();
            assert!(c.validate().is_ok(), "{good}");
        }
        for bad in ["Asia/Nowhere", "+8", "GMT+8:00", ""] {
            c.mau_time_zone = bad.to_owned();
            let e = c.validate().unwrap_err();
            assert!(e.starts_with("mau_time_zone"), "{bad}: {e}");
        }
    }

    #[test]
    fn public_urls_are_checked() {
        for good in [
            "https://id.example.com",
            "http://127.0.0.1:8080/",
            "https://example.com/idp",
        ] {
            assert!(check_public_url(good).is_ok(), "{good}");
        }
        for bad in [
            "id.example.com",
            "ftp://x",
            "https://u:p@x",
            "https://x/?a=1",
            "https://x/#f",
            "http://",
            "",
        ] {
            assert!(check_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_file_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n").unwrap();
        let e = check_file_keys(&path).unwrap_err();
        assert!(e.contains("listen_adress"), "{e}");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1\"\nsqlite_synchronous = \"normal\"\n",
        )
        .unwrap();
        check_file_keys(&path).unwrap();
    }

    #[test]
    fn flags_override_defaults() {
        let args = CommonArgs {
            listen: Some("127.0.0.1:9999".into()),
            ..CommonArgs::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9999");
    }
}
