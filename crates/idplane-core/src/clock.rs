//! Time as the domain sees it: millisecond timestamps and an injectable clock.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    pub fn from_datetime(dt: OffsetDateTime) -> Self {
        let ms = dt.unix_timestamp_nanos() / 1_000_000;
        Self(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    pub fn to_datetime(self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// ISO-8601 UTC with second precision and a `Z` suffix, e.g. `2025-09-15T07:59:24Z`.
    pub fn to_iso_seconds(self) -> String {
        let dt = self.to_datetime();
        let dt = dt.replace_nanosecond(0).unwrap_or(dt);
        dt.format(&Rfc3339).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso_seconds())
    }
}

/// The source of "now". Production uses [`SystemClock`]; tests pass a fixed one.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(OffsetDateTime::now_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_iso_seconds() {
        let ts = Timestamp::from_millis(1_757_923_164_123);
        assert_eq!(ts.to_iso_seconds(), "2025-09-15T07:59:24Z");
    }
}
