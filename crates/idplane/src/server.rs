//! The HTTP server: health check, control plane, request logging, graceful shutdown.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use idplane_api::ApiState;
use idplane_api::rate_limit::RateLimiter;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::{data_plane, wiring};

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
        builder.try_init()
    };
}

pub async fn serve(config: Config) -> Result<(), String> {
    init_logging(&config);
    let services = wiring::build(&config).await?;
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("binding {}: {e}", config.listen))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("reading the bound address: {e}"))?;
    let rate = config.rate_limit_per_second;
    let changes = idplane_core::changes::Changes::new();
    let public_url = config.public_url(bound);
    let provider = data_plane::provider(&services, &public_url, &changes)?;
    let state = Arc::new(ApiState {
        directory: services.directory,
        keys: services.keys,
        clients: services.clients.clone(),
        clock: services.clock,
        public_url,
        limiter: RateLimiter::new(
            rate,
            config.rate_limit_burst.unwrap_or(rate.saturating_mul(2)),
        ),
        changes: changes.clone(),
    });
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(idplane_api::router(state))
        .merge(idplane_oidc::router(provider));
    tracing::info!(address = %bound, store = %redact_url(&config.store_url()), "idplane listening");
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut server = tokio::spawn(async move {
        let mut stop_rx = stop_rx;
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.changed().await;
            })
            .await
    });
    tokio::select! {
        result = &mut server => {
            return match result {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("server error: {e}")),
                Err(e) => Err(format!("server task failed: {e}")),
            };
        }
        () = shutdown_signal() => {}
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

async fn shutdown_signal() {
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
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
