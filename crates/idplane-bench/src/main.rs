//! `idplane-bench`: seeds a pool of many users (through the store's bulk-load path, not signed
//! calls), starts a real `idplane serve` process on it, and measures ListUsersInUserGroup
//! through TC3-signed HTTP requests: latency percentiles, throughput, and the server's memory.
//!
//! ```text
//! idplane-bench --database-url sqlite:///tmp/bench/idplane.db --data-dir /tmp/bench \
//!     --server target/release/idplane [--schema S] [--users 1000000] [--group-size 100000]
//!     [--requests 4000] [--concurrency 8] [--seed-only] [--only NAME-PART]
//! ```

mod client;
mod matrix;
mod seed;

use std::time::{Duration, Instant};

use idplane_store::SqlStore;

struct Args {
    database_url: String,
    schema: Option<String>,
    data_dir: String,
    server: String,
    users: usize,
    group_size: usize,
    requests: usize,
    concurrency: usize,
    seed_only: bool,
    /// Runs only the cases whose name contains this.
    only: Option<String>,
    /// Measures the generated space of `group` (ListUsersInUserGroup) or `pool` (ListUsers)
    /// shapes instead of the three standing cases.
    matrix: Option<String>,
    /// Of the matrix, every n-th shape from `matrix_start`.
    matrix_every: usize,
    matrix_start: usize,
    /// Requests per shape (over one connection).
    matrix_repeat: usize,
    offsets: Vec<u64>,
    /// The seeded pool and group, given: the store is then not opened (nor migrated), so an
    /// older server build can be measured on its own database.
    seeded: Option<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        database_url: String::new(),
        schema: None,
        data_dir: "./bench-data".to_owned(),
        server: "target/release/idplane".to_owned(),
        users: 1_000_000,
        group_size: 100_000,
        requests: 4000,
        concurrency: 8,
        seed_only: false,
        only: None,
        matrix: None,
        matrix_every: 1,
        matrix_start: 0,
        matrix_repeat: 10,
        offsets: vec![0, 4900, 9900],
        seeded: None,
    };
    let mut pool_uid = None;
    let mut group_uid = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--database-url" => args.database_url = value()?,
            "--schema" => args.schema = Some(value()?),
            "--data-dir" => args.data_dir = value()?,
            "--server" => args.server = value()?,
            "--users" => args.users = value()?.parse().map_err(|_| "--users: a number")?,
            "--group-size" => {
                args.group_size = value()?.parse().map_err(|_| "--group-size: a number")?
            }
            "--requests" => args.requests = value()?.parse().map_err(|_| "--requests: a number")?,
            "--seed-only" => args.seed_only = true,
            "--only" => args.only = Some(value()?),
            "--matrix" => args.matrix = Some(value()?),
            "--pool-uid" => pool_uid = Some(value()?),
            "--group-uid" => group_uid = Some(value()?),
            "--matrix-every" => {
                args.matrix_every = value()?.parse().map_err(|_| "--matrix-every: a number")?
            }
            "--matrix-start" => {
                args.matrix_start = value()?.parse().map_err(|_| "--matrix-start: a number")?
            }
            "--matrix-repeat" => {
                args.matrix_repeat = value()?.parse().map_err(|_| "--matrix-repeat: a number")?
            }
            "--offsets" => {
                args.offsets = value()?
                    .split(',')
                    .map(|o| o.trim().parse::<u64>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| "--offsets: numbers separated by commas")?
            }
            "--concurrency" => {
                args.concurrency = value()?.parse().map_err(|_| "--concurrency: a number")?
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.database_url.is_empty() {
        return Err("--database-url is required".to_owned());
    }
    args.seeded = pool_uid.zip(group_uid);
    Ok(args)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(name: &str, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: {} requests in {:.2}s = {:.0} req/s; p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(*latencies.last().unwrap_or(&Duration::ZERO)),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("idplane-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    std::fs::create_dir_all(&args.data_dir).map_err(|e| e.to_string())?;
    let seeded = match &args.seeded {
        Some((pool, group)) => seed::Seeded::given(pool, group)?,
        None => seed_store(&args).await?,
    };
    if args.seed_only {
        return Ok(());
    }

    let server = client::Server::start(&args.server, &args).await?;
    if let Some(kind) = &args.matrix {
        let result = run_matrix(&server, &args, &seeded, kind).await;
        server.stop();
        return result;
    }
    let rss_idle = server.rss_kib();
    let mut cases = client::cases(&seeded);
    if let Some(only) = &args.only {
        cases.retain(|c| c.name.contains(only.as_str()));
    }
    for case in &cases {
        // Unmeasured: each body twice on every connection, so the figures are of a server
        // whose connections, statement caches and page caches are in use, not of its start.
        let warm = case.bodies.len() * 2 * args.concurrency;
        client::drive(&server, case, warm, args.concurrency).await?;
        let one = client::drive(&server, case, args.requests / 4, 1).await?;
        report(&format!("{} (1 connection)", case.name), one.0, one.1);
        let many = client::drive(&server, case, args.requests, args.concurrency).await?;
        report(
            &format!("{} ({} connections)", case.name, args.concurrency),
            many.0,
            many.1,
        );
    }
    let (rss, peak) = (server.rss_kib(), server.peak_rss_kib());
    println!(
        "server memory: {} MiB resident after start, {} MiB after the runs, peak {} MiB",
        rss_idle / 1024,
        rss / 1024,
        peak / 1024
    );
    server.stop();
    Ok(())
}

/// Measures every shape of the generated matrix (or the sample asked for) over one
/// connection and reports the worst.
async fn run_matrix(
    server: &client::Server,
    args: &Args,
    seeded: &seed::Seeded,
    kind: &str,
) -> Result<(), String> {
    let users = i64::try_from(args.users).map_err(|e| e.to_string())?;
    let shapes = match kind {
        "group" => matrix::group_shapes(seeded, users, &args.offsets),
        "pool" => matrix::pool_shapes(seeded, users, &args.offsets),
        other => return Err(format!("--matrix {other}: group or pool")),
    };
    let total = shapes.len();
    let mut shapes = matrix::sample(shapes, args.matrix_every, args.matrix_start);
    if let Some(only) = &args.only {
        shapes.retain(|c| c.name.contains(only.as_str()));
    }
    eprintln!("matrix {kind}: {} of {total} shapes", shapes.len());
    let started = Instant::now();
    let mut measured = Vec::with_capacity(shapes.len());
    for (i, shape) in shapes.iter().enumerate() {
        client::drive(server, shape, 2, 1).await?;
        let (mut latencies, _) = client::drive(server, shape, args.matrix_repeat, 1).await?;
        latencies.sort();
        let m = matrix::Measured {
            name: shape.name.clone(),
            latencies,
        };
        println!(
            "shape\t{:.2}\t{:.2}\t{}",
            m.p(50.0).as_secs_f64() * 1000.0,
            m.p(99.0).as_secs_f64() * 1000.0,
            m.name
        );
        measured.push(m);
        if (i + 1) % 100 == 0 {
            eprintln!(
                "  {} shapes, {:.0}s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    matrix::report(&format!("matrix {kind}"), measured, 25);
    Ok(())
}

/// Opens the store (applying its migrations) and seeds it unless it holds the data already.
async fn seed_store(args: &Args) -> Result<seed::Seeded, String> {
    let options = idplane_store::StoreOptions {
        schema: args.schema.clone(),
        ..idplane_store::StoreOptions::default()
    };
    let store = SqlStore::open(&args.database_url, &options)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let seeded = seed::ensure(&store, args.users, args.group_size).await?;
    println!(
        "seed: {} users, group of {} ({}), pool {}, group {}, {:.1}s",
        args.users,
        args.group_size,
        if seeded.fresh {
            "loaded now"
        } else {
            "already there"
        },
        seeded.pool.as_str(),
        seeded.group.as_str(),
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(seeded)
}
