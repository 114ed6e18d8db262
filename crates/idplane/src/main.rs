//! The `idplane` binary: command line, configuration, wiring and the HTTP server.

mod cli;
mod config;
mod data_plane;
mod keys_cmd;
mod listener;
mod master_key;
mod server;
mod signing_key_cmd;
mod source;
mod tls;
mod wiring;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: the server allocates many small, short-lived values per request (rows, JSON) on
/// several threads, where it spends far less time than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let config = match config::Config::load(&cli.common) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("idplane: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("idplane: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            cli::Command::Serve => server::serve(config).await,
            cli::Command::AccessKey(cmd) => keys_cmd::run(config, cmd).await,
            cli::Command::SigningKey(cmd) => signing_key_cmd::run(config, cmd).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idplane: {e}");
            ExitCode::FAILURE
        }
    }
}
