//! The command line: `idplane serve` and `idplane access-key create|list|delete`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "idplane",
    version,
    about = "Identity and permissions for people and AI agents"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes; each is also an `IDPLANE_*` environment variable.
#[derive(Debug, Args, Default)]
pub struct CommonArgs {
    /// Address to listen on [env: IDPLANE_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, global = true)]
    pub listen: Option<String>,
    /// Directory for the embedded database and the generated master key
    /// [env: IDPLANE_DATA_DIR] [default: ./idplane-data]
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// postgres://… to use PostgreSQL instead of the embedded SQLite [env: IDPLANE_DATABASE_URL]
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// PostgreSQL schema to keep idplane's tables in [env: IDPLANE_DATABASE_SCHEMA]
    #[arg(long, global = true)]
    pub database_schema: Option<String>,
    /// A TOML configuration file [env: IDPLANE_CONFIG]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// PEM certificate chain to serve HTTPS with (needs --tls-key) [env: IDPLANE_TLS_CERT]
    #[arg(long, global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of that certificate (RSA, ECDSA or Ed25519) [env: IDPLANE_TLS_KEY]
    #[arg(long, global = true)]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Manage access keys (prints JSON).
    #[command(subcommand)]
    AccessKey(AccessKeyCommand),
    /// Manage a user pool's token-signing keys (prints JSON).
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Make a new signing key and retire the others; tokens they signed still verify, since
    /// retired keys stay in the JWKS. Running servers sign with the new key within a second.
    Rotate {
        #[arg(long)]
        pool: String,
    },
    /// List the pool's keys (never their private halves).
    List {
        #[arg(long)]
        pool: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccessKeyCommand {
    /// Create a key; its secret is printed this once.
    Create {
        /// The account the key acts for (created if new).
        #[arg(long, default_value = "default")]
        account: String,
        /// Bind the key to one user pool of that account.
        #[arg(long)]
        pool: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List keys (never their secrets).
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// Delete a key.
    Delete { access_key_id: String },
}
