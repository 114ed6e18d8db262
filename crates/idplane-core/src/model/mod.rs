//! The entities of the directory.

pub mod account;
pub mod department;
pub mod group;
pub mod pool;
pub mod user;
