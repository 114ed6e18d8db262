//! `idplane-soak`: drives one real idplane server with a long stream of fuzzed requests and
//! fails when it answers 500 (or any 5xx it has no reason to give), panics, or dies.
//!
//! ```text
//! idplane-soak --bin target/release/idplane [--requests 1000000] [--concurrency 32]
//!     [--seed 1] [--database-url postgres://…] [--database-schema S] [--log FILE]
//!     [--keep-throttle]
//! idplane-soak --url 127.0.0.1:8080 [--access-key-id AK --secret-access-key SK] …
//! idplane-soak --bin … --replay N     # sends request N of the seed's stream, and shows it
//! ```
//!
//! With `--bin` it starts `idplane serve` on a free port with a fresh data directory (SQLite,
//! or `--database-url`), a bootstrap access key, the per-key rate limit off, and — unless
//! `--keep-throttle` — the failed-authentication throttles lifted so the handlers, not the
//! throttle, answer; the server's output goes to `--log` (default: a file in the temporary
//! directory), at level `warn` unless `IDPLANE_LOG_LEVEL` or `RUST_LOG` says otherwise. With
//! `--url` it uses a running server and a root key of it.
//!
//! It first makes real state through signed calls (pools, users, groups, departments,
//! clients; Tencent users, groups and an org node; a hosted sign-in form and tokens), then
//! sends `--requests` requests over `--concurrency` keep-alive connections, each drawn from
//! `--seed` and its number alone:
//!
//! - Volcengine-dialect calls signed with the valid key (Volcengine V4): catalog actions and
//!   garbage ones, JSON bodies of the actions' field names and existing identifiers (deep,
//!   huge, with NUL, control characters and any Unicode), forms and queries with flattened
//!   names dotted up to thousands of times, odd methods and content types;
//! - Tencent-dialect calls signed with TC3-HMAC-SHA256 or the legacy HmacSHA256 form, alike;
//! - unauthenticated data-plane requests on every route below `/userpool/{pool}`, with random
//!   parameters, cookies, bearer and basic credentials, and paths and methods no route has;
//! - a few control-plane calls signed wrongly (wrong secret, stale, unknown key, garbage,
//!   none, HmacSHA1 named but not used).
//!
//! At the end it prints the answers by status (and by kind), the 5xx, the connection errors,
//! the rate, up to 20 failing requests in full, and the server log's `panicked` lines; it
//! checks the server is still running and answers `/healthz`. It exits 1 on any answer of 500,
//! any other 5xx but a 501 `NotImplemented` for a catalog action or a 503 from a health check,
//! any `InternalError` (Tencent answers them with HTTP 200), a connection that broke, a panic
//! in the log, or a server that died; 2 when it could not run.

mod control;
mod data_plane;
mod fuzzed;
mod http;
mod rng;
mod seed;
mod server;
mod state;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http::{Client, Failure, Request};
use rng::Rng;
use server::{Launch, Server};
use state::{State, World};
use stats::Stats;

const DEFAULT_KEY_ID: &str = "AKLTSOAK00000000000000000000";
const DEFAULT_SECRET: &str = "soak-secret-0123456789abcdefghijklmnop";

struct Args {
    requests: u64,
    concurrency: usize,
    seed: u64,
    bin: Option<String>,
    url: Option<String>,
    database_url: Option<String>,
    database_schema: Option<String>,
    log: Option<PathBuf>,
    keep_throttle: bool,
    key_id: String,
    secret: String,
    replay: Option<u64>,
}

fn number<T: std::str::FromStr>(flag: &str, text: String) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: not a number: {text}"))
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        requests: 1_000_000,
        concurrency: 32,
        seed: 1,
        bin: None,
        url: None,
        database_url: None,
        database_schema: None,
        log: None,
        keep_throttle: false,
        key_id: DEFAULT_KEY_ID.to_owned(),
        secret: DEFAULT_SECRET.to_owned(),
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--requests" => args.requests = number(&flag, value()?)?,
            "--concurrency" => args.concurrency = number::<usize>(&flag, value()?)?.max(1),
            "--seed" => args.seed = number(&flag, value()?)?,
            "--bin" => args.bin = Some(value()?),
            "--url" => args.url = Some(value()?),
            "--database-url" => args.database_url = Some(value()?),
            "--database-schema" => args.database_schema = Some(value()?),
            "--log" => args.log = Some(PathBuf::from(value()?)),
            "--keep-throttle" => args.keep_throttle = true,
            "--access-key-id" => args.key_id = value()?,
            "--secret-access-key" => args.secret = value()?,
            "--replay" => args.replay = Some(number(&flag, value()?)?),
            "--help" | "-h" => {
                return Err("usage: see the crate documentation (src/main.rs)".into());
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.bin.is_none() == args.url.is_none() {
        return Err("give exactly one of --bin PATH and --url HOST:PORT".to_owned());
    }
    Ok(args)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let code = match run().await {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("idplane-soak: {e}");
            2
        }
    };
    std::process::exit(code);
}

/// The request numbered `index` of the stream.
fn make(rng: &mut Rng, world: &World) -> Request {
    match rng.weighted(&[35, 25, 40]) {
        0 => control::volc_request(rng, world),
        1 => control::tencent_request(rng, world),
        _ => data_plane::request(rng, world),
    }
}

async fn run() -> Result<bool, String> {
    let args = parse_args()?;
    let log = args.log.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("idplane-soak-{}.log", std::process::id()))
    });
    let mut server = match &args.bin {
        Some(bin) => Some(start(&args, bin, &log).await?),
        None => None,
    };
    let host = match (&server, &args.url) {
        (Some(s), _) => s.host.clone(),
        (None, Some(url)) => url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned(),
        (None, None) => return Err("no server".to_owned()),
    };
    let outcome = soak(&args, &host).await;
    let ok = finish(&args, server.as_mut(), &host, &log, outcome).await;
    if let Some(server) = server {
        println!("server stopped: {}", server.stop());
    }
    ok
}

async fn start(args: &Args, bin: &str, log: &std::path::Path) -> Result<Server, String> {
    let launch = Launch {
        bin,
        key_id: &args.key_id,
        secret: &args.secret,
        database_url: args.database_url.as_deref(),
        database_schema: args.database_schema.as_deref(),
        keep_throttle: args.keep_throttle,
        log,
    };
    let server = Server::start(&launch).await?;
    println!("server: {bin} on {} (log: {})", server.host, log.display());
    Ok(server)
}

/// Makes the state, then sends the stream (or the one request to replay).
async fn soak(args: &Args, host: &str) -> Result<(Stats, f64), String> {
    let mut world = World {
        host: host.to_owned(),
        key_id: args.key_id.clone(),
        secret: args.secret.clone(),
        state: State::default(),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tag = format!("{}-{nanos:x}", args.seed);
    seed::seed(&mut Client::new(host), &mut world, &tag).await?;
    let s = &world.state;
    println!(
        "setup: {} pools, {} users, {} groups, {} departments, {} clients, {} tokens, {} forms; Tencent: {} users",
        s.pools.len(),
        s.users.len(),
        s.groups.len(),
        s.departments.len(),
        s.clients.len(),
        s.tokens.len(),
        s.forms.len(),
        s.tc_users.len()
    );
    if let Some(index) = args.replay {
        return replay(args.seed, index, &world).await;
    }
    let started = Instant::now();
    let stats = drive(args, Arc::new(world)).await;
    Ok((stats, started.elapsed().as_secs_f64()))
}

async fn replay(seed: u64, index: u64, world: &World) -> Result<(Stats, f64), String> {
    let request = make(&mut Rng::for_request(seed, index), world);
    println!("request #{index}:\n{}", request.describe(100_000));
    let outcome = Client::new(&world.host).send(&request).await;
    match &outcome {
        Ok(r) => println!(
            "answer: HTTP {}\n{}",
            r.status,
            http::shorten(&r.body, 100_000)
        ),
        Err(e) => println!("no answer: {e}"),
    }
    let mut stats = Stats::default();
    stats.record(index, &request, &outcome);
    Ok((stats, 0.0))
}

/// Sends the stream over `concurrency` connections and gathers what they saw.
async fn drive(args: &Args, world: Arc<World>) -> Stats {
    let next = Arc::new(AtomicU64::new(0));
    let abort = Arc::new(AtomicBool::new(false));
    let progress = tokio::spawn(progress(next.clone(), args.requests));
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (world, next, abort) = (world.clone(), next.clone(), abort.clone());
        let (seed, total) = (args.seed, args.requests);
        tasks.push(tokio::spawn(async move {
            worker(&world, seed, total, &next, &abort).await
        }));
    }
    let mut stats = Stats::default();
    for task in tasks {
        if let Ok(s) = task.await {
            stats.merge(s);
        }
    }
    progress.abort();
    stats
}

/// Takes request numbers until the stream is done, or the server cannot be reached.
async fn worker(
    world: &World,
    seed: u64,
    total: u64,
    next: &AtomicU64,
    abort: &AtomicBool,
) -> Stats {
    let mut client = Client::new(&world.host);
    let mut stats = Stats::default();
    let mut unreachable = 0;
    while !abort.load(Ordering::Relaxed) {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= total {
            break;
        }
        let request = make(&mut Rng::for_request(seed, index), world);
        let outcome = client.send(&request).await;
        unreachable = if matches!(outcome, Err(Failure::Connect(_))) {
            unreachable + 1
        } else {
            0
        };
        if unreachable >= 20 {
            abort.store(true, Ordering::Relaxed);
        }
        stats.record(index, &request, &outcome);
    }
    stats
}

async fn progress(next: Arc<AtomicU64>, total: u64) {
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let done = next.load(Ordering::Relaxed).min(total);
        println!(
            "… {done}/{total} after {:.0} s ({:.0} requests/s)",
            started.elapsed().as_secs_f64(),
            done as f64 / started.elapsed().as_secs_f64()
        );
    }
}

/// Prints the summary and checks the server; whether the run passed.
async fn finish(
    args: &Args,
    server: Option<&mut Server>,
    host: &str,
    log: &std::path::Path,
    outcome: Result<(Stats, f64), String>,
) -> Result<bool, String> {
    let (stats, seconds) = outcome?;
    stats.print(seconds);
    let died = server.and_then(|s| s.exited());
    let healthy = server::healthy(host).await;
    let panics = if args.bin.is_some() {
        server::panics_in(log)
    } else {
        Vec::new()
    };
    match &died {
        Some(status) => println!("the server DIED: {status}"),
        None => println!(
            "server alive; /healthz {}",
            if healthy {
                "answers 200"
            } else {
                "does NOT answer 200"
            }
        ),
    }
    println!("panics in the log: {}", panics.len());
    for line in panics.iter().take(20) {
        println!("  {line}");
    }
    let passed = stats.failures == 0
        && stats.connection_errors == 0
        && died.is_none()
        && healthy
        && panics.is_empty();
    println!("{}", if passed { "PASSED" } else { "FAILED" });
    Ok(passed)
}
