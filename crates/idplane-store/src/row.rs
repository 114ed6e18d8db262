//! Reading a result row's columns by name, alike for sqlx's rows and the SQLite readers'
//! (`lite::LiteRow`), so that each kind of row is read by one function.

use idplane_core::error::DomainResult;
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
