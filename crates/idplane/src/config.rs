//! Configuration: one typed struct, layered defaults → TOML file → `IDPLANE_*` environment →
//! command-line flags, validated once at start. Secrets never print.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use idplane_core::model::activity::MauZone;
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
}

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
}

impl Config {
    pub fn load(args: &CommonArgs) -> Result<Self, String> {
        let file = args
            .config
            .clone()
            .or_else(|| std::env::var_os("IDPLANE_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(format!("config file {} does not exist", path.display()));
            }
            figment = figment.merge(Toml::file(path));
        }
        let config: Config = figment
            .merge(Env::prefixed("IDPLANE_").ignore(&["config", "test_database_url", "bin"]))
            .merge(Serialized::defaults(FlagLayer {
                listen: args.listen.clone(),
                data_dir: args.data_dir.clone(),
                database_url: args.database_url.clone(),
                database_schema: args.database_schema.clone(),
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
        Ok(())
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

    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
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
    fn flags_override_defaults() {
        let args = CommonArgs {
            listen: Some("127.0.0.1:9999".into()),
            ..CommonArgs::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9999");
    }
}
