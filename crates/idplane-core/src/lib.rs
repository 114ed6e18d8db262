//! idplane's domain: what a directory is, what may go wrong, and the use cases that change it.
//!
//! Nothing here knows about HTTP or SQL. Storage is reached through the traits in [`store`],
//! time through [`clock::Clock`], and randomness through the `rand` crate's OS source.

pub mod attribute_filter;
pub mod bearer;
pub mod changes;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod fields;
pub mod identifiers;
pub mod ids;
pub mod model;
pub mod passwords;
pub mod query;
pub mod service;
pub mod store;
pub mod throttle;

pub use error::{DomainError, DomainResult};
