//! A control-plane request as both dialects need it: method, raw query, headers, body, and the
//! request id given to it on arrival.

use axum::body::Bytes;
use axum::http::Method;
use idplane_core::throttle::SourceAddress;

pub struct ApiRequest {
    pub method: Method,
    /// The query string exactly as received, without the `?`.
    pub raw_query: String,
    /// Header names lower-cased, values as received (non-UTF-8 values are dropped).
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub request_id: String,
    /// Where the request came from, when the server knows.
    pub source: Option<SourceAddress>,
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

impl ApiRequest {
    /// `Err(retry after)` while the request's source failed to authenticate too often.
    pub fn source_refused(
        &self,
        state: &crate::state::ApiState,
    ) -> Result<(), std::time::Duration> {
        match self.source {
            Some(source) => state.throttle.check(
                &idplane_core::throttle::Subject::Address(source.0),
                state.clock.now(),
            ),
            None => Ok(()),
        }
    }

    /// Counts a failed authentication against the request's source.
    pub fn source_failed(&self, state: &crate::state::ApiState) {
        if let Some(source) = self.source {
            state.throttle.failed(
                idplane_core::throttle::Subject::Address(source.0),
                state.clock.now(),
            );
        }
    }
}
