//! Serving connections with bounds on what a client may hold (OWASP ASVS 4.0 V13.1? / the
//! slow-request attacks): at most `max_connections` at once (more are closed as they arrive),
//! a request head must arrive within `header` of its first byte, a connection with no request
//! in flight and nothing read for `idle` is closed, and a request body must arrive within
//! `body` (a layer on the service). Shutdown stops accepting and lets requests in flight end.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The bounds a connection is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header: Duration,
    pub idle: Duration,
    pub max_connections: usize,
}

/// What a connection's requests and its stream share.
struct Activity {
    state: Mutex<Shared>,
}

struct Shared {
    /// Requests being served now.
    in_flight: usize,
    /// Requests begun on this connection so far.
    begun: u64,
    /// When the last request was answered.
    last_done: Instant,
}

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(Shared {
                in_flight: 0,
                begun: 0,
                last_done: Instant::now(),
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> Option<T> {
        self.state.lock().ok().map(|mut s| f(&mut s))
    }
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.with(|s| {
            s.in_flight += 1;
            s.begun += 1;
        });
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.with(|s| {
            s.in_flight = s.in_flight.saturating_sub(1);
            s.last_done = Instant::now();
        });
    }
}

/// A TCP stream that fails its reads once its connection broke a time bound while no request
/// is in flight: a request head begun and not finished within the header time, or nothing
/// begun for the idle time since the connection opened or its last answer. Writes are left
/// alone (a response in flight is finished).
struct Watched<S> {
    stream: S,
    activity: Arc<Activity>,
    limits: Limits,
    opened: Instant,
    /// When the first byte of the next request head arrived, and how many requests had begun
    /// then (once another begins, that head is done).
    head: Option<(Instant, u64)>,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> Watched<S> {
    fn new(stream: S, activity: Arc<Activity>, limits: Limits) -> Self {
        Self {
            stream,
            activity,
            limits,
            opened: Instant::now(),
            head: None,
            deadline: None,
        }
    }

    /// By when the connection must have made progress, if it is waiting for a request.
    fn due(&self) -> Option<Instant> {
        let (in_flight, begun, last_done) = self
            .activity
            .with(|s| (s.in_flight, s.begun, s.last_done))?;
        if in_flight > 0 {
            return None;
        }
        Some(match self.head {
            Some((start, at)) if at == begun => start + self.limits.header,
            _ => self.opened.max(last_done) + self.limits.idle,
        })
    }

    /// Bytes arrived: with nothing in flight, they start the next request head.
    fn arrived(&mut self) {
        let Some((in_flight, begun)) = self.activity.with(|s| (s.in_flight, s.begun)) else {
            return;
        };
        let current = self.head.is_some_and(|(_, at)| at == begun);
        if in_flight == 0 && !current {
            self.head = Some((Instant::now(), begun));
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.arrived();
                }
                this.deadline = None;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some(due) = this.due() else {
                    this.deadline = None;
                    return Poll::Pending;
                };
                let sleep = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
                if sleep.deadline() != due {
                    sleep.as_mut().reset(due);
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client took too long",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serves `app` on `listener` (over TLS when an acceptor is given) until `stop` turns true,
/// then waits for the connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let refused = Arc::new(Mutex::new(None::<Instant>));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // The stream enforces the header and idle bounds; this is a last resort.
        .header_read_timeout(limits.header + limits.idle);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors or the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            warn_at_most_every_minute(&refused, limits.max_connections);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let service = connection_service(app.clone(), peer, activity.clone());
        let Some(acceptor) = &tls else {
            let io = TokioIo::new(Watched::new(stream, activity, limits));
            let connection = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
                }
                drop(permit);
            });
            continue;
        };
        // The handshake is held to the header bound: a client that does not finish it in
        // time is dropped like a slow request head.
        let handshake = tokio::time::timeout(limits.header, acceptor.accept(stream));
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match handshake.await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, peer = %peer, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(peer = %peer, "TLS handshake timed out");
                    return;
                }
            };
            let io = TokioIo::new(Watched::new(stream, activity, limits));
            let connection = builder
                .serve_connection_with_upgrades(io, service)
                .into_owned();
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

type HyperService = TowerToHyperService<
    tower::util::BoxCloneSyncService<
        Request<hyper::body::Incoming>,
        axum::response::Response,
        Infallible,
    >,
>;

/// The app for one connection: its peer address as `ConnectInfo`, each request counted in
/// flight while it is served.
fn connection_service(app: Router, peer: SocketAddr, activity: Arc<Activity>) -> HyperService {
    let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        let app = app.clone();
        let in_flight = InFlight::start(&activity);
        request.extensions_mut().insert(ConnectInfo(peer));
        async move {
            let response = app.oneshot(request.map(axum::body::Body::new)).await;
            drop(in_flight);
            response
        }
    });
    TowerToHyperService::new(tower::util::BoxCloneSyncService::new(service))
}

fn warn_at_most_every_minute(last: &Mutex<Option<Instant>>, max: usize) {
    let Ok(mut last) = last.lock() else { return };
    if last.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
        tracing::warn!(
            max_connections = max,
            "connection limit reached: new connections are closed"
        );
        *last = Some(Instant::now());
    }
}
