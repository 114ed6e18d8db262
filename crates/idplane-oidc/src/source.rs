//! Where a data-plane request came from, as the throttle counts it: the address the server put
//! in the request (the peer, or a configured trusted proxy header's), else the peer itself.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use idplane_core::throttle::SourceAddress;

/// The request's source address.
#[derive(Debug, Clone, Copy)]
pub struct Source(pub SourceAddress);

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(address) = parts.extensions.get::<SourceAddress>() {
            return Ok(Source(*address));
        }
        if let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(Source(SourceAddress(peer.ip())));
        }
        Ok(Source(SourceAddress(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}
