//! The server under test and a small keep-alive HTTP/1.1 client that sends TC3-signed EIAM
//! requests to it.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use idplane_sign::{tc3, volc};
use sha2::Digest;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::Args;
use crate::seed::{Seeded, T0};

const AK: &str = "AKLTBENCHMARK0000000000000";
const SK: &str = "bench-secret-0123456789abcdefghijklmnop";

pub struct Server {
    child: Child,
    pub host: String,
}

impl Server {
    pub async fn start(bin: &str, args: &Args) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let host = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(bin);
        cmd.args(["serve", "--listen", &host, "--data-dir", &args.data_dir])
            .env("IDPLANE_DATABASE_URL", &args.database_url)
            .env("IDPLANE_BOOTSTRAP_ACCESS_KEY_ID", AK)
            .env("IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY", SK)
            .env("IDPLANE_RATE_LIMIT_PER_SECOND", "0")
            .env(
                "IDPLANE_LOG_LEVEL",
                std::env::var("IDPLANE_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(schema) = &args.schema {
            cmd.env("IDPLANE_DATABASE_SCHEMA", schema);
        }
        let child = cmd.spawn().map_err(|e| format!("starting {bin}: {e}"))?;
        let server = Server { child, host };
        for _ in 0..600 {
            if let Ok(mut s) = TcpStream::connect(&server.host).await {
                let req = format!(
                    "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    server.host
                );
                if s.write_all(req.as_bytes()).await.is_ok() {
                    let mut buf = String::new();
                    let _ = s.read_to_string(&mut buf).await;
                    if buf.starts_with("HTTP/1.1 200") {
                        return Ok(server);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the server did not become ready".to_owned())
    }

    fn status_kib(&self, key: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    pub fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    pub fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// How a request is framed and signed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Tencent EIAM: TC3-HMAC-SHA256, answers under `Response`.
    Eiam,
    /// Volcengine `id`: HMAC-SHA256 V4, answers under `Result`.
    Volc,
}

/// One kind of request to measure.
pub struct Case {
    pub name: String,
    pub action: &'static str,
    pub dialect: Dialect,
    /// Bodies to cycle through.
    pub bodies: Vec<String>,
    /// Results each answer must hold at least.
    pub min_results: usize,
}

pub fn iso(ms: i64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}+0000",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

pub fn cases(seeded: &Seeded) -> Vec<Case> {
    let gid = seeded.group.as_str();
    // user{i:07}: the prefix "user00" covers users 0..100,000, of whom 1 in `group_every` are
    // members: 10,000 for the default sizes, enough for Offset 5,000.
    let prefix_bodies = ["user00*", "user01*", "user02*", "user03*"]
        .iter()
        .map(|p| {
            format!(
                r#"{{"UserGroupId": "{gid}", "SearchCondition": {{"UserName": "{p}"}}, "Sort": {{"SortKey": "DisplayName", "SortOrder": "ASC"}}, "Offset": 5000, "Limit": 100}}"#
            )
        })
        .collect();
    // A creation-time window of 10,000 seconds: 10,000 users, 1,000 members.
    let window = 10_000_i64;
    let time_bodies = (0..8)
        .map(|k| {
            let start = T0 + (k * 97_000 + 3_000) * 1000;
            format!(
                r#"{{"UserGroupId": "{gid}", "SearchCondition": {{"CreationTime": "[{},{}}}"}}, "Offset": 0, "Limit": 100}}"#,
                iso(start),
                iso(start + window * 1000)
            )
        })
        .collect();
    vec![
        Case {
            name: "prefix + DisplayName sort + Offset 5000/Limit 100".to_owned(),
            action: "ListUsersInUserGroup",
            dialect: Dialect::Eiam,
            bodies: prefix_bodies,
            min_results: 100,
        },
        Case {
            name: "creation-time range, first 100".to_owned(),
            action: "ListUsersInUserGroup",
            dialect: Dialect::Eiam,
            bodies: time_bodies,
            min_results: 100,
        },
        // No condition: the display-name index holds the members in order, and a deep page
        // skips the offset in it.
        Case {
            name: "all members, DisplayName sort, Offset 5000/Limit 100".to_owned(),
            action: "ListUsersInUserGroup",
            dialect: Dialect::Eiam,
            bodies: vec![format!(
                r#"{{"UserGroupId": "{gid}", "Sort": {{"SortKey": "DisplayName", "SortOrder": "ASC"}}, "Offset": 5000, "Limit": 100}}"#
            )],
            min_results: 100,
        },
    ]
}

fn signed_request(host: &str, dialect: Dialect, action: &str, body: &str) -> String {
    match dialect {
        Dialect::Eiam => tc3_request(host, action, body),
        Dialect::Volc => volc_request(host, action, body),
    }
}

fn volc_request(host: &str, action: &str, body: &str) -> String {
    let x_date = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let query = format!("Action={action}&Version=2025-10-30");
    let body_hash = hex::encode(sha2::Sha256::digest(body.as_bytes()));
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), host.to_owned()),
        ("X-Content-Sha256".to_owned(), body_hash.clone()),
        ("X-Date".to_owned(), x_date.clone()),
    ];
    let parts = volc::RequestParts {
        method: "POST",
        path: "/",
        raw_query: &query,
        headers: &headers,
        body: body.as_bytes(),
    };
    let authorization =
        volc::client_authorization(&parts, AK, SK.as_bytes(), &x_date, "cn-beijing", "id")
            .unwrap_or_default();
    format!(
        "POST /?{query} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         X-Content-Sha256: {body_hash}\r\nX-Date: {x_date}\r\n\
         Authorization: {authorization}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn tc3_request(host: &str, action: &str, body: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // X-TC-Action is signed too: the benchmark repeats identical requests within a second,
    // which the server takes for replays when the action is not covered by the signature.
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), host.to_owned()),
        ("X-TC-Action".to_owned(), action.to_owned()),
    ];
    let parts = tc3::RequestParts {
        method: "POST",
        path: "/",
        raw_query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let authorization =
        tc3::client_authorization(&parts, AK, SK.as_bytes(), now, "eiam").unwrap_or_default();
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-TC-Action: {action}\r\n\
         X-TC-Version: 2021-04-20\r\nX-TC-Timestamp: {now}\r\nX-TC-Region: ap-guangzhou\r\n\
         Authorization: {authorization}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn roundtrip(reader: &mut BufReader<TcpStream>, request: &str) -> Result<String, String> {
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        reader
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().map_err(|_| "bad content-length")?;
        }
    }
    let mut body = vec![0u8; length];
    reader
        .read_exact(&mut body)
        .await
        .map_err(|e| e.to_string())?;
    String::from_utf8(body).map_err(|e| e.to_string())
}

/// Sends `total` requests over `connections` keep-alive connections; returns each latency and
/// the wall time.
pub async fn drive(
    server: &Server,
    case: &Case,
    total: usize,
    connections: usize,
) -> Result<(Vec<Duration>, Duration), String> {
    let per = total / connections.max(1);
    let host = Arc::new(server.host.clone());
    let bodies = Arc::new(case.bodies.clone());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let host = host.clone();
        let bodies = bodies.clone();
        let action = case.action;
        let dialect = case.dialect;
        let min = case.min_results;
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(host.as_str())
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut reader = BufReader::new(stream);
            let mut latencies = Vec::with_capacity(per);
            for i in 0..per {
                let body = &bodies[(c + i) % bodies.len()];
                let request = signed_request(&host, dialect, action, body);
                let t = Instant::now();
                let answer = roundtrip(&mut reader, &request).await?;
                latencies.push(t.elapsed());
                let json: serde_json::Value =
                    serde_json::from_str(&answer).map_err(|e| e.to_string())?;
                let (failed, n) = match dialect {
                    Dialect::Eiam => {
                        let response = &json["Response"];
                        (
                            response.get("Error").is_some(),
                            response["UserInfo"].as_array().map_or(0, Vec::len),
                        )
                    }
                    Dialect::Volc => (
                        json["ResponseMetadata"].get("Error").is_some(),
                        json["Result"]["Data"].as_array().map_or(0, Vec::len),
                    ),
                };
                if failed {
                    return Err(format!("error answer: {answer:.600}"));
                }
                if n < min {
                    return Err(format!("only {n} results: {answer:.300}"));
                }
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok((all, started.elapsed()))
}
