//! Monthly active users: the calendar month, the time zone months are counted in, and a pool's
//! figure for a month.

use crate::fields::Field;
use std::fmt;

use jiff::tz::{Offset, TimeZone};

use crate::clock::Timestamp;
use crate::error::{DomainError, DomainResult};
use crate::ids::UserPoolUid;

/// A calendar month, `0001-01` to `9999-12`, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i16,
    month: i8,
}

impl Month {
    /// The month, if `year` is 1..=9999 and `month` 1..=12.
    pub fn new(year: i16, month: i8) -> Option<Self> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// Accepts exactly `YYYY-MM`: four digits, `-`, two digits, month 01 to 12, year from 0001.
    pub fn parse(value: &str) -> DomainResult<Self> {
        let invalid = || {
            DomainError::invalid(
                Field::Month,
                format!("{value:?} is not a month in the form YYYY-MM (e.g. 2025-12)"),
            )
        };
        let bytes = value.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(invalid());
        }
        let digits = |range: std::ops::Range<usize>| -> Option<i16> {
            bytes[range].iter().try_fold(0i16, |acc, b| {
                b.is_ascii_digit().then(|| acc * 10 + i16::from(b - b'0'))
            })
        };
        let year = digits(0..4).ok_or_else(invalid)?;
        let month = digits(5..7)
            .and_then(|m| i8::try_from(m).ok())
            .ok_or_else(invalid)?;
        Self::new(year, month).ok_or_else(invalid)
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> i8 {
        self.month
    }

    /// The month before, if there is one.
    pub fn previous(self) -> Option<Self> {
        if self.month == 1 {
            Self::new(self.year - 1, 12)
        } else {
            Self::new(self.year, self.month - 1)
        }
    }

    /// The month as the integer `YYYYMM`, as stored.
    pub fn key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    /// The month of a stored `YYYYMM` key.
    pub fn from_key(key: i64) -> Option<Self> {
        let year = i16::try_from(key / 100).ok()?;
        let month = i8::try_from(key % 100).ok()?;
        Self::new(year, month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The time zone whose calendar months are counted: `UTC`, an IANA name such as
/// `Asia/Shanghai` (from the tz database built into the binary), or a fixed offset `±HH:MM`.
#[derive(Debug, Clone)]
pub struct MauZone {
    name: String,
    zone: TimeZone,
}

impl Default for MauZone {
    fn default() -> Self {
        Self::utc()
    }
}

impl MauZone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".to_owned(),
            zone: TimeZone::UTC,
        }
    }

    /// Reads a zone name; the error says what is accepted.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value == "UTC" || value == "Z" {
            return Ok(Self::utc());
        }
        if let Some(offset) = parse_offset(value) {
            return Ok(Self {
                name: value.to_owned(),
                zone: TimeZone::fixed(offset),
            });
        }
        if value.starts_with(['+', '-']) {
            return Err(format!(
                "time zone {value:?}: a fixed offset is written ±HH:MM, at most 18:00"
            ));
        }
        jiff::tz::db()
            .get(value)
            .map(|zone| Self {
                name: value.to_owned(),
                zone,
            })
            .map_err(|_| {
                format!(
                    "time zone {value:?} is neither UTC, an IANA name (e.g. Asia/Shanghai) nor an offset (e.g. +08:00)"
                )
            })
    }

    /// The name as configured.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar month `at` falls in, in this zone.
    pub fn month_of(&self, at: Timestamp) -> Month {
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            // Outside jiff's range (years ±9999): clamp to the nearest representable month.
            return if at.millis() < 0 {
                Month { year: 1, month: 1 }
            } else {
                Month {
                    year: 9999,
                    month: 12,
                }
            };
        };
        let date = self.zone.to_datetime(instant).date();
        Month::new(date.year(), date.month()).unwrap_or(if date.year() < 1 {
            Month { year: 1, month: 1 }
        } else {
            Month {
                year: 9999,
                month: 12,
            }
        })
    }
}

/// `±HH:MM` with hours at most 18 and minutes below 60.
fn parse_offset(value: &str) -> Option<Offset> {
    let bytes = value.as_bytes();
    if bytes.len() != 6 || bytes[3] != b':' {
        return None;
    }
    let sign = match bytes[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let two = |i: usize| -> Option<i32> {
        let (a, b) = (bytes[i], bytes[i + 1]);
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| i32::from(a - b'0') * 10 + i32::from(b - b'0'))
    };
    let (hours, minutes) = (two(1)?, two(4)?);
    if hours > 18 || minutes > 59 || (hours == 18 && minutes > 0) {
        return None;
    }
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// One pool's monthly active users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMau {
    pub pool_uid: UserPoolUid,
    pub users: u64,
}

/// The answer to "how many users were active": the month used and a figure per pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MauReport {
    pub month: Month,
    pub pools: Vec<PoolMau>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strict_months() {
        let m = Month::parse("2025-12").unwrap();
        assert_eq!((m.year(), m.month()), (2025, 12));
        assert_eq!(m.to_string(), "2025-12");
        assert_eq!(m.key(), 202_512);
        assert_eq!(Month::from_key(202_512), Some(m));
        assert_eq!(Month::parse("0001-01").unwrap().to_string(), "0001-01");
        for bad in [
            "2025-13",
            "2025-00",
            "2025/12",
            "25-01",
            "2025-1",
            "2025-012",
            "02025-01",
            "",
            "2025-",
            "-2025-01",
            "+202-01",
            "2025-1a",
            "２０２５-01",
            "0000-05",
            " 2025-01",
            "2025-01 ",
            "2025-+1",
        ] {
            let e = Month::parse(bad).unwrap_err();
            assert!(
                matches!(&e, DomainError::Invalid { field, .. } if *field == Field::Month),
                "{bad:?}: {e:?}"
            );
        }
    }

    #[test]
    fn months_order_by_time() {
        assert!(Month::parse("2025-12").unwrap() < Month::parse("2026-01").unwrap());
        assert_eq!(Month::from_key(202_513), None);
        assert_eq!(Month::from_key(-1), None);
        let jan = Month::parse("2025-01").unwrap();
        assert_eq!(jan.previous().unwrap().to_string(), "2024-12");
        assert_eq!(
            Month::parse("2025-07")
                .unwrap()
                .previous()
                .unwrap()
                .to_string(),
            "2025-06"
        );
        assert_eq!(Month::parse("0001-01").unwrap().previous(), None);
    }

    /// 2025-01-31T16:00:00Z is already February in Shanghai (UTC+8).
    #[test]
    fn zone_moves_the_month_boundary() {
        let at = Timestamp::from_millis(1_738_339_200_000);
        assert_eq!(MauZone::utc().month_of(at).to_string(), "2025-01");
        let shanghai = MauZone::parse("Asia/Shanghai").unwrap();
        assert_eq!(shanghai.month_of(at).to_string(), "2025-02");
        assert_eq!(shanghai.name(), "Asia/Shanghai");
        let plus8 = MauZone::parse("+08:00").unwrap();
        assert_eq!(plus8.month_of(at).to_string(), "2025-02");
        let one_ms_earlier = Timestamp::from_millis(1_738_339_200_000 - 1);
        assert_eq!(plus8.month_of(one_ms_earlier).to_string(), "2025-01");
        let minus5 = MauZone::parse("-05:00").unwrap();
        // 2025-02-01T03:00:00Z is still January in UTC-5.
        let at = Timestamp::from_millis(1_738_378_800_000);
        assert_eq!(minus5.month_of(at).to_string(), "2025-01");
        assert_eq!(MauZone::utc().month_of(at).to_string(), "2025-02");
    }

    /// New York leaves daylight saving time in November: months still follow local midnight.
    #[test]
    fn iana_zones_follow_daylight_saving() {
        let ny = MauZone::parse("America/New_York").unwrap();
        // 2025-11-01T03:59:59Z = Oct 31 23:59:59 EDT; 04:00:00Z = Nov 1 00:00 EDT.
        assert_eq!(
            ny.month_of(Timestamp::from_millis(1_761_969_599_000))
                .to_string(),
            "2025-10"
        );
        assert_eq!(
            ny.month_of(Timestamp::from_millis(1_761_969_600_000))
                .to_string(),
            "2025-11"
        );
        // 2025-12-01T04:59:59Z = Nov 30 23:59:59 EST.
        assert_eq!(
            ny.month_of(Timestamp::from_millis(1_764_565_199_000))
                .to_string(),
            "2025-11"
        );
    }

    #[test]
    fn zone_names() {
        assert_eq!(MauZone::parse("UTC").unwrap().name(), "UTC");
        assert_eq!(
            MauZone::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert!(MauZone::parse("+05:45").is_ok());
        assert!(MauZone::parse("-18:00").is_ok());
        for bad in [
            "Mars/Olympus",
            "+8",
            "+0800",
            "+18:01",
            "+08:60",
            "",
            "utc+8",
            "+24:00",
        ] {
            assert!(MauZone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn extreme_timestamps_clamp() {
        assert_eq!(
            MauZone::utc()
                .month_of(Timestamp::from_millis(i64::MAX))
                .to_string(),
            "9999-12"
        );
        assert_eq!(
            MauZone::utc()
                .month_of(Timestamp::from_millis(i64::MIN))
                .to_string(),
            "0001-01"
        );
    }
}
