//! Request signatures of both dialects as pure functions: canonical requests, signing keys,
//! signing and constant-time verification. Nothing here does I/O or knows about HTTP servers.

pub mod error;
mod header;
mod hmac_util;
pub mod tc3;
pub mod volc;

pub use error::SignError;
