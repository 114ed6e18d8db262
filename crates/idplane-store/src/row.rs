//! Reading a result row's columns by name, alike for either backend's rows, so that each kind
//! of row is read by one function over `&dyn Columns`.

use idplane_core::error::DomainResult;

pub(crate) trait Columns {
    fn text(&self, name: &str) -> DomainResult<String>;
    /// Text or NULL.
    fn opt_text(&self, name: &str) -> DomainResult<Option<String>>;
    /// Text or NULL as the row holds it, not copied.
    fn str(&self, name: &str) -> DomainResult<Option<&str>>;
    fn int(&self, name: &str) -> DomainResult<i64>;
    /// An integer or NULL.
    fn opt_int(&self, name: &str) -> DomainResult<Option<i64>>;
}

/// A value one column reads as, chosen by the type asked for ([`Columns::get`]).
pub(crate) trait FromColumn: Sized {
    fn read(row: &dyn Columns, name: &str) -> DomainResult<Self>;
}

impl FromColumn for String {
    fn read(row: &dyn Columns, name: &str) -> DomainResult<Self> {
        row.text(name)
    }
}

impl FromColumn for Option<String> {
    fn read(row: &dyn Columns, name: &str) -> DomainResult<Self> {
        row.opt_text(name)
    }
}

impl FromColumn for i64 {
    fn read(row: &dyn Columns, name: &str) -> DomainResult<Self> {
        row.int(name)
    }
}

impl FromColumn for Option<i64> {
    fn read(row: &dyn Columns, name: &str) -> DomainResult<Self> {
        row.opt_int(name)
    }
}

impl dyn Columns + '_ {
    /// Column `name` as a `T`.
    pub(crate) fn get<T: FromColumn>(&self, name: &str) -> DomainResult<T> {
        T::read(self, name)
    }
}
