//! A control-plane request as both dialects need it: method, raw query, headers, body, and the
//! request id given to it on arrival.

use axum::body::Bytes;
use axum::http::Method;

pub struct ApiRequest {
    pub method: Method,
    /// The query string exactly as received, without the `?`.
    pub raw_query: String,
    /// Header names lower-cased, values as received (non-UTF-8 values are dropped).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub request_id: String,
}

impl ApiRequest {
    /// The first value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decoded query pairs (form style: `+` is a space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.raw_query.as_bytes())
            .into_owned()
            .collect()
    }

    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.raw_query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}
