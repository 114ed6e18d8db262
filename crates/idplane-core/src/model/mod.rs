//! The entities of the directory.

pub mod account;
pub mod activity;
pub mod client;
pub mod custom_attribute;
pub mod department;
pub mod endpoints;
pub mod group;
pub mod pool;
pub mod sign_in;
pub mod user;
pub mod workload;
