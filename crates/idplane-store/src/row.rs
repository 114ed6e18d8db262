//! Reading a result row's columns by name, alike for sqlx's rows and the SQLite readers' (see
//! `lite`), so that each kind of row is read by one function.

use idplane_core::error::{DomainError, DomainResult};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::internal;

pub(crate) trait Columns {
    fn text(&self, name: &str) -> DomainResult<String>;
    /// Text or NULL.
    fn opt_text(&self, name: &str) -> DomainResult<Option<String>>;
    fn int(&self, name: &str) -> DomainResult<i64>;
}

impl Columns for AnyRow {
    fn text(&self, name: &str) -> DomainResult<String> {
        self.try_get(name).map_err(internal)
    }

    fn opt_text(&self, name: &str) -> DomainResult<Option<String>> {
        self.try_get(name).map_err(internal)
    }

    fn int(&self, name: &str) -> DomainResult<i64> {
        self.try_get(name).map_err(internal)
    }
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> DomainResult<String> {
        self.get(name).map_err(|e| column_error(name, e))
    }

    fn opt_text(&self, name: &str) -> DomainResult<Option<String>> {
        self.get(name).map_err(|e| column_error(name, e))
    }

    fn int(&self, name: &str) -> DomainResult<i64> {
        self.get(name).map_err(|e| column_error(name, e))
    }
}

fn column_error(name: &str, e: rusqlite::Error) -> DomainError {
    DomainError::internal(format!("database: column {name}: {e}"))
}
