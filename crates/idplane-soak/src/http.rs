//! The requests the soak sends, and a small keep-alive HTTP/1.1 client that sends them:
//! bodies framed by `Content-Length`, answers read by `Content-Length`, chunks or close.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The largest answer body read; a larger one is a failure of the soak, not of the server.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// One request: method, target (path and query, encoded), headers and body.
#[derive(Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// What made it, for the report: `volc`, `tencent`, `data-plane` …
    pub kind: &'static str,
}

impl Request {
    pub fn new(method: &str, target: String, host: &str, kind: &'static str) -> Self {
        Self {
            method: method.to_owned(),
            target,
            headers: vec![("Host".to_owned(), host.to_owned())],
            body: Vec::new(),
            kind,
        }
    }

    pub fn header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_owned(), value.into()));
    }

    /// The query part of the target, without `?`.
    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// The request as a report shows it: shortened, with unprintable bytes escaped.
    pub fn describe(&self, limit: usize) -> String {
        let mut out = format!(
            "{} {}\n",
            self.method,
            shorten(self.target.as_bytes(), limit)
        );
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {}\n", shorten(value.as_bytes(), limit)));
        }
        out.push_str(&format!(
            "body ({} bytes): {}",
            self.body.len(),
            shorten(&self.body, limit)
        ));
        out
    }
}

/// `bytes` escaped (`\n`, `\u{0}`, `\xff`) and cut to about `limit` characters.
pub fn shorten(bytes: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(limit)]);
    let mut out: String = text.chars().flat_map(char::escape_debug).collect();
    if bytes.len() > limit {
        out.push_str(&format!("… ({} more bytes)", bytes.len() - limit));
    }
    out
}

/// An answer: status, headers (names lower-cased) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why no answer came.
#[derive(Debug)]
pub enum Failure {
    /// The server could not be reached.
    Connect(io::Error),
    /// The connection broke; `nothing_read` when not a byte of an answer had come.
    Broken { error: String, nothing_read: bool },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "connecting failed: {e}"),
            Failure::Broken { error, .. } => write!(f, "the connection broke: {error}"),
        }
    }
}

fn broken(error: impl ToString, nothing_read: bool) -> Failure {
    Failure::Broken {
        error: error.to_string(),
        nothing_read,
    }
}

/// A client of one server over one keep-alive connection, opened again when it closes.
pub struct Client {
    addr: String,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    pub fn new(addr: &str) -> Self {
        Self {
            addr: addr.to_owned(),
            conn: None,
        }
    }

    /// Sends `request` and reads its answer. A connection kept from an earlier request that
    /// turns out closed before answering is opened again and the request sent once more.
    pub async fn send(&mut self, request: &Request) -> Result<Response, Failure> {
        let bytes = request.to_bytes();
        let head_only = request.method == "HEAD";
        loop {
            let reused = self.conn.is_some();
            let conn = match self.conn.take() {
                Some(conn) => conn,
                None => connect(&self.addr).await?,
            };
            match exchange(conn, &bytes, head_only).await {
                Ok((response, kept)) => {
                    self.conn = kept;
                    return Ok(response);
                }
                Err(Failure::Broken {
                    nothing_read: true, ..
                }) if reused => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

async fn connect(addr: &str) -> Result<BufReader<TcpStream>, Failure> {
    let stream = TcpStream::connect(addr).await.map_err(Failure::Connect)?;
    stream.set_nodelay(true).map_err(Failure::Connect)?;
    Ok(BufReader::with_capacity(64 * 1024, stream))
}

/// Writes a request and reads its answer; the connection comes back when it stays open. A
/// server may answer before reading the whole body (413) and close: the answer still counts.
async fn exchange(
    mut conn: BufReader<TcpStream>,
    bytes: &[u8],
    head_only: bool,
) -> Result<(Response, Option<BufReader<TcpStream>>), Failure> {
    let written = conn.get_mut().write_all(bytes).await;
    let (response, close) = match read_response(&mut conn, head_only).await {
        Ok(answer) => answer,
        Err(e) => {
            return Err(match written {
                Err(w) => broken(format!("{w} (then {e})"), true),
                Ok(()) => e,
            });
        }
    };
    let keep = written.is_ok() && !close;
    Ok((response, keep.then_some(conn)))
}

async fn read_line(conn: &mut BufReader<TcpStream>, first: bool) -> Result<String, Failure> {
    let mut line = Vec::new();
    let n = conn
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| broken(e, first))?;
    if n == 0 {
        return Err(broken("closed before an answer", first));
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_owned())
}

/// Reads one answer; `true` with it when the server closes the connection after it.
async fn read_response(
    conn: &mut BufReader<TcpStream>,
    head_only: bool,
) -> Result<(Response, bool), Failure> {
    let status_line = read_line(conn, true).await?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| broken(format!("no status in {status_line:?}"), false))?;
    let mut headers = Vec::new();
    loop {
        let line = read_line(conn, false).await?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let close = response
        .header("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let bodiless = head_only || status == 204 || status == 304 || status < 200;
    if !bodiless {
        response.body = read_body(conn, &response, close).await?;
    }
    Ok((response, close))
}

async fn read_body(
    conn: &mut BufReader<TcpStream>,
    response: &Response,
    close: bool,
) -> Result<Vec<u8>, Failure> {
    let chunked = response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        return read_chunks(conn).await;
    }
    let mut body = Vec::new();
    match response.header("content-length") {
        Some(length) => {
            let length: usize = length
                .parse()
                .map_err(|_| broken(format!("bad Content-Length {length:?}"), false))?;
            if length > MAX_ANSWER {
                return Err(broken(format!("an answer of {length} bytes"), false));
            }
            body.resize(length, 0);
            conn.read_exact(&mut body)
                .await
                .map_err(|e| broken(e, false))?;
        }
        None if close => {
            conn.read_to_end(&mut body)
                .await
                .map_err(|e| broken(e, false))?;
        }
        None => {}
    }
    Ok(body)
}

async fn read_chunks(conn: &mut BufReader<TcpStream>) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        let line = read_line(conn, false).await?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| broken(format!("bad chunk size {line:?}"), false))?;
        if size == 0 {
            while !read_line(conn, false).await?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_ANSWER {
            return Err(broken("an answer too large", false));
        }
        let start = body.len();
        body.resize(start + size, 0);
        conn.read_exact(&mut body[start..])
            .await
            .map_err(|e| broken(e, false))?;
        read_line(conn, false).await?;
    }
}
