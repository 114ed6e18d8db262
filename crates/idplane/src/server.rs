//! The HTTP server: health check, control plane, request logging, graceful shutdown.

use std::io::IsTerminal;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use idplane_api::ApiState;
use idplane_api::rate_limit::RateLimiter;
use idplane_core::changes::{Changes, WATCH_EVERY};
use idplane_core::store::Store;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::source::{self, SourcePolicy};
use crate::{data_plane, listener, tls, wiring};

fn init_logging(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log_level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.fmt_fields(escaped_fields()).try_init()
    };
}

/// Text-log fields written as the default format writes them, with every control character
/// escaped: a value that came from a request (an action name, an error's text) cannot start a
/// line of its own and forge an entry.
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = format!("{value:?}");
        if field.name() != "message" {
            write!(writer, "{}=", field.name())?;
        }
        for c in text.chars() {
            if c.is_control() {
                write!(writer, "{}", c.escape_default())?;
            } else {
                writer.write_char(c)?;
            }
        }
        Ok(())
    })
    .delimited(" ")
}

/// Follows other processes' changes to what this one caches (see `idplane_core::changes`).
async fn watch_changes(changes: Changes) {
    let mut seen = None;
    let mut every = tokio::time::interval(WATCH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        changes.watch(&mut seen).await;
    }
}

pub async fn serve(config: Config) -> Result<(), String> {
    init_logging(&config);
    log_panics();
    let _lock = lock_sqlite(&config)?;
    let services = wiring::build(&config).await?;
    let tls = config.tls().map(tls::acceptor).transpose()?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", config.listen))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("reading the bound address: {e}"))?;
    let rate = config.rate_limit_per_second;
    tokio::spawn(watch_changes(services.changes.clone()));
    let public_url = config.public_url(bound);
    let throttle = services.throttle.clone();
    let sources = Arc::new(SourcePolicy::from_config(&config)?);
    let provider = data_plane::provider(&services, &public_url);
    let state = Arc::new(ApiState {
        directory: services.directory,
        keys: services.keys,
        clients: services.clients.clone(),
        workloads: services.workloads,
        clock: services.clock,
        public_url,
        limiter: RateLimiter::new(
            rate,
            config.rate_limit_burst.unwrap_or(rate.saturating_mul(2)),
        ),
        throttle,
    });
    let health = services.store.clone();
    let app = Router::new()
        .route("/livez", get(|| async { "ok" }))
        .route("/healthz", get(move || ready(health.clone())))
        .route("/readyz", get(move || ready(services.store.clone())))
        .merge(idplane_api::router(state))
        .merge(idplane_oidc::router(provider))
        .layer(axum::middleware::from_fn_with_state(sources, source::mark))
        .layer(RequestBodyDeadlineLayer::new(Duration::from_secs(
            config.body_read_timeout_seconds,
        )))
        .layer(CatchPanicLayer::custom(panicked))
        // OWASP ASVS 4.0 V14.4.4: no response is sniffed into another content type.
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ));
    let limits = config.limits();
    // Taken before the server says it listens: a SIGTERM sent as soon as it does (by a test
    // or an orchestrator) then drains the server instead of killing it.
    let terminate = signal(SignalKind::terminate()).ok();
    tracing::info!(
        address = %bound,
        tls = config.tls().is_some(),
        store = %redact_url(&config.store_url()),
        "idplane listening"
    );
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server = tokio::spawn(listener::serve(listener, app, limits, tls, stop_rx));
    tokio::select! {
        result = &mut server => {
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("server error: {e}")),
                Err(e) => Err(format!("server task failed: {e}")),
            };
        }
        () = shutdown_signal(terminate) => {}
    }
    tracing::info!("shutting down: draining in-flight requests");
    let _ = stop_tx.send(true);
    match tokio::time::timeout(grace, server).await {
        Ok(Ok(Ok(()))) => {
            tracing::info!("stopped");
            Ok(())
        }
        Ok(Ok(Err(e))) => Err(format!("server error: {e}")),
        Ok(Err(e)) => Err(format!("server task failed: {e}")),
        Err(_) => Err("in-flight requests did not finish within the grace period".to_owned()),
    }
}

/// A request whose handling panicked (the control plane answers its own dialect's
/// `InternalError` first): a plain 500, the panic logged by the hook.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        r#"{"error":"server_error","error_description":"the server could not complete the request"}"#,
    )
        .into_response()
}

/// Logs a panic (where, and what) through tracing, so it reaches the log in its format.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic = %what, at = %at, "panicked");
    }));
}

/// Ready to serve: the store answers within two seconds (503 otherwise).
async fn ready(store: Arc<dyn Store>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: the store does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
        Err(_) => {
            tracing::warn!("health check: the store did not answer within 2 s");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

/// One server at a time on an SQLite database: an exclusive lock on `{database}.lock`, held
/// while the server runs (the command-line tools may still open the database beside it).
fn lock_sqlite(config: &Config) -> Result<Option<std::fs::File>, String> {
    if !config.uses_sqlite() {
        return Ok(None);
    }
    wiring::data_dir(config)?;
    let url = config.store_url();
    let Some(db) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or_default())
        .filter(|p| !p.is_empty() && *p != ":memory:")
    else {
        return Ok(None);
    };
    let path = format!("{db}.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("opening the lock file {path}: {e}"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(format!(
                "another idplane server (pid {}) is serving the SQLite database {db}; its lock \
                 file {path} is held. Stop it first, or use another data directory",
                holder.trim()
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(format!("locking {path}: {e}"));
        }
    }
    use std::io::{Seek, Write};
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}", std::process::id());
    Ok(Some(file))
}

async fn shutdown_signal(terminate: Option<tokio::signal::unix::Signal>) {
    let term = async {
        match terminate {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// A database URL without its password, for logging.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn hides_database_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("sqlite:///x/y.db"), "sqlite:///x/y.db");
    }
}
