//! The source address of each request, as throttling counts it: the TCP peer, or — when a
//! trusted proxy header is configured and the peer is one of the trusted proxies — the address
//! that header names. A header is never believed unless configured (OWASP ASVS 4.0 V14.1).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use idplane_core::throttle::SourceAddress;

use crate::config::Config;

/// An address block, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    network: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(text: &str) -> Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("trusted_proxies: {text:?} is not an address or CIDR block"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("trusted_proxies: {text:?} has a bad prefix length"))?,
        };
        Ok(Self { network, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// How the source address is found.
#[derive(Debug, Clone, Default)]
pub struct SourcePolicy {
    header: Option<HeaderName>,
    trusted: Vec<Block>,
}

impl SourcePolicy {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let header = match config.trusted_proxy_header.as_deref() {
            None | Some("") => None,
            Some(name) => Some(
                HeaderName::try_from(name)
                    .map_err(|_| format!("trusted_proxy_header {name:?} is not a header name"))?,
            ),
        };
        let trusted = config
            .trusted_proxies
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(Block::parse)
            .collect::<Result<_, _>>()?;
        Ok(Self { header, trusted })
    }

    /// The source of a request from `peer` with `headers`.
    fn source(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let Some(name) = &self.header else {
            return peer;
        };
        if !self.trusted.is_empty() && !self.trusted.iter().any(|b| b.contains(peer)) {
            return peer;
        }
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(named_address)
            .unwrap_or(peer)
    }
}

/// The address in one element of `X-Forwarded-For`, `X-Real-IP` or `Forwarded` (RFC 7239:
/// `for=192.0.2.1`, `for="[2001:db8::1]:4711"`), without port or brackets.
fn named_address(element: &str) -> Option<IpAddr> {
    let mut text = element.trim();
    if let Some(f) = text
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("for=").or_else(|| p.strip_prefix("For=")))
    {
        text = f;
    }
    let text = text.trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    text.strip_prefix('[')
        .and_then(|t| t.split(']').next())
        .and_then(|t| t.parse().ok())
}

/// Puts the request's [`SourceAddress`] into its extensions.
pub async fn mark(
    State(policy): State<Arc<SourcePolicy>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let source = policy.source(peer.ip(), request.headers());
    request.extensions_mut().insert(SourceAddress(source));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn policy(header: Option<&str>, trusted: &str) -> SourcePolicy {
        let config = Config {
            trusted_proxy_header: header.map(str::to_owned),
            trusted_proxies: Some(trusted.to_owned()),
            ..Config::default()
        };
        SourcePolicy::from_config(&config).unwrap()
    }

    fn headers(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn headers_count_only_when_configured_and_from_trusted_proxies() {
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let xff = headers("x-forwarded-for", "203.0.113.9, 198.51.100.7");
        assert_eq!(policy(None, "").source(peer, &xff), peer);
        let p = policy(Some("X-Forwarded-For"), "");
        assert_eq!(
            p.source(peer, &xff),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let p = policy(Some("X-Forwarded-For"), "10.0.0.0/8");
        assert_eq!(
            p.source(peer, &xff),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let p = policy(Some("X-Forwarded-For"), "192.168.0.0/16, 10.9.9.9");
        assert_eq!(p.source(peer, &xff), peer);
        let bad = headers("x-forwarded-for", "not an address");
        assert_eq!(policy(Some("X-Forwarded-For"), "").source(peer, &bad), peer);
    }

    #[test]
    fn forwarded_elements_and_ports() {
        assert_eq!(
            named_address("for=192.0.2.60;proto=http;by=203.0.113.43"),
            Some("192.0.2.60".parse().unwrap())
        );
        assert_eq!(
            named_address("for=\"[2001:db8:cafe::17]:4711\""),
            Some("2001:db8:cafe::17".parse().unwrap())
        );
        assert_eq!(
            named_address("198.51.100.7:8080"),
            Some("198.51.100.7".parse().unwrap())
        );
        assert!(Block::parse("10.0.0.0/33").is_err());
        assert!(
            Block::parse("::1/128")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            Block::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }
}
