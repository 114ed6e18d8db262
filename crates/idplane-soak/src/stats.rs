//! What the run saw: answers counted by status and by kind of request, connection failures,
//! and the requests whose answers count as failures (a 500, a 5xx the server has no reason
//! to give, an `InternalError` in a Tencent answer, a broken connection), for the report.

use std::collections::BTreeMap;

use crate::http::{Failure, Request, Response, shorten};

/// How many failing requests are kept for the report.
const KEPT: usize = 20;

/// One failing request, as the report shows it.
pub struct Example {
    pub index: u64,
    pub why: String,
    pub request: String,
    pub answer: String,
}

#[derive(Default)]
pub struct Stats {
    pub total: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub by_kind: BTreeMap<(&'static str, u16), u64>,
    /// Tencent answers (always HTTP 200) by their error code; `-` for success.
    pub tencent_codes: BTreeMap<String, u64>,
    /// Answers that count as failures.
    pub failures: u64,
    /// 5xx answers the server has reason to give (see [`failure_of`]).
    pub expected_5xx: u64,
    /// Connections that broke or could not be made.
    pub connection_errors: u64,
    /// Connections the server closed on a body over its limit before reading it all.
    pub refused_bodies: u64,
    pub examples: Vec<Example>,
}

/// Bodies the server may refuse before reading them whole: over the data plane's 64 KiB or
/// the control plane's 10 MB.
fn oversized(request: &Request) -> bool {
    request.body.len() > 64 * 1024
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Why an answer counts as a failure, if it does.
pub fn failure_of(request: &Request, response: &Response) -> Option<String> {
    let health = ["/healthz", "/readyz"]
        .iter()
        .any(|p| request.target.starts_with(p));
    let not_implemented = response.status == 501
        && request.kind == "volc"
        && contains(&response.body, b"\"NotImplemented");
    match response.status {
        500 => return Some("HTTP 500".to_owned()),
        503 if health => {}
        501 if not_implemented => {}
        s if s >= 500 => return Some(format!("HTTP {s}")),
        _ => {}
    }
    internal_error(&response.body)
        .then(|| format!("InternalError in an HTTP {} answer", response.status))
}

/// The first `"Code":"…"` of an answer, `-` when it has none.
fn error_code(body: &[u8]) -> String {
    let marker = b"\"Code\":\"";
    let Some(at) = body.windows(marker.len()).position(|w| w == marker) else {
        return "-".to_owned();
    };
    let rest = &body[at + marker.len()..];
    let end = rest.iter().position(|b| *b == b'"').unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

/// Whether an answer's error code, in either dialect, is `InternalError`.
fn internal_error(body: &[u8]) -> bool {
    if !contains(body, b"\"InternalError\"") {
        return false;
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return true;
    };
    ["/Response/Error/Code", "/ResponseMetadata/Error/Code"]
        .iter()
        .any(|p| json.pointer(p).and_then(|c| c.as_str()) == Some("InternalError"))
}

impl Stats {
    pub fn record(&mut self, index: u64, request: &Request, outcome: &Result<Response, Failure>) {
        self.total += 1;
        let why = match outcome {
            Ok(response) => self.answered(request, response),
            Err(_) if oversized(request) => {
                self.refused_bodies += 1;
                None
            }
            Err(e) => {
                self.connection_errors += 1;
                Some(e.to_string())
            }
        };
        let Some(why) = why else {
            return;
        };
        if outcome.is_ok() {
            self.failures += 1;
        }
        if self.examples.len() < KEPT {
            self.examples.push(Example {
                index,
                why,
                request: request.describe(2000),
                answer: outcome
                    .as_ref()
                    .map_or_else(|_| String::new(), |r| shorten(&r.body, 1000)),
            });
        }
    }

    /// Counts an answer; why it is a failure, if it is one.
    fn answered(&mut self, request: &Request, response: &Response) -> Option<String> {
        *self.by_status.entry(response.status).or_default() += 1;
        *self
            .by_kind
            .entry((request.kind, response.status))
            .or_default() += 1;
        if request.kind.starts_with("tencent") {
            *self
                .tencent_codes
                .entry(error_code(&response.body))
                .or_default() += 1;
        }
        let why = failure_of(request, response);
        if why.is_none() && response.status >= 500 {
            self.expected_5xx += 1;
        }
        why
    }

    pub fn merge(&mut self, other: Stats) {
        self.total += other.total;
        for (k, v) in other.by_status {
            *self.by_status.entry(k).or_default() += v;
        }
        for (k, v) in other.tencent_codes {
            *self.tencent_codes.entry(k).or_default() += v;
        }
        for (k, v) in other.by_kind {
            *self.by_kind.entry(k).or_default() += v;
        }
        self.failures += other.failures;
        self.expected_5xx += other.expected_5xx;
        self.connection_errors += other.connection_errors;
        self.refused_bodies += other.refused_bodies;
        let room = KEPT.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }

    /// Answers with a 5xx status, whatever their reason.
    pub fn server_errors(&self) -> u64 {
        self.by_status
            .iter()
            .filter(|(s, _)| **s >= 500)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn print(&self, seconds: f64) {
        println!(
            "requests: {} in {seconds:.1} s = {:.0} requests/s",
            self.total,
            self.total as f64 / seconds.max(0.001)
        );
        let statuses: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        println!("by status: {}", statuses.join(", "));
        let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((kind, status), n) in &self.by_kind {
            kinds
                .entry(kind)
                .or_default()
                .push(format!("{status}: {n}"));
        }
        for (kind, counts) in kinds {
            println!("  {kind}: {}", counts.join(", "));
        }
        println!(
            "5xx answers: {}, of which {} expected (501 NotImplemented for a catalog action not built, 503 from a health check)",
            self.server_errors(),
            self.expected_5xx
        );
        let mut codes: Vec<(&String, &u64)> = self.tencent_codes.iter().collect();
        codes.sort_by(|a, b| b.1.cmp(a.1));
        let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c}: {n}")).collect();
        println!(
            "Tencent answers by error code (- = success): {}",
            codes.join(", ")
        );
        println!("failing answers (5xx or InternalError): {}", self.failures);
        println!(
            "connection errors: {} (and {} bodies over the limit refused before they were read)",
            self.connection_errors, self.refused_bodies
        );
        for e in &self.examples {
            println!(
                "--- request #{}: {}\n{}\nanswer: {}",
                e.index, e.why, e.request, e.answer
            );
        }
    }
}
