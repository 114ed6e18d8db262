//! ISO 8601 times as EIAM writes them (`2021-01-13T09:44:07.182+0000`), the other usual
//! spellings, and dates alone; parsed by hand so that a fault points at its character.
//!
//! ```text
//! time     = date [ ('T' | 't') clock zone ]
//! date     = d d d d '-' d d '-' d d               a real calendar day, years 0000–9999
//! clock    = d d ':' d d [ ':' d d [ '.' d {d} ] ]  hour 00–23, minute and second 00–59;
//!                                                   digits past milliseconds are dropped
//! zone     = 'Z' | 'z' | ('+' | '-') d d [ [ ':' ] d d ]   offset up to ±23:59
//! ```

use idplane_core::clock::Timestamp;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use crate::error::Fault;
use crate::syntax::Fail;

/// What a time value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    /// A date and a clock time: one millisecond.
    Instant(Timestamp),
    /// A date alone: the whole UTC day, from `start` up to `next` (`None` after 9999-12-31).
    Day {
        start: Timestamp,
        next: Option<Timestamp>,
    },
}

/// Parses an ISO 8601 time or date; a date alone is its midnight UTC. `None` if malformed.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    match parse(text, 0).ok()? {
        Moment::Instant(t) | Moment::Day { start: t, .. } => Some(t),
    }
}

/// Parses `text`, which starts at character offset `at` of the raw value.
pub(crate) fn parse(text: &str, at: usize) -> Result<Moment, Fail> {
    let mut s = Scan {
        chars: text.chars().collect(),
        pos: 0,
        at,
    };
    let date = s.date()?;
    if s.done() {
        let midnight = |d: Date| Timestamp::from_datetime(d.midnight().assume_utc());
        return Ok(Moment::Day {
            start: midnight(date),
            next: date.next_day().map(midnight),
        });
    }
    if !(s.eat('T') || s.eat('t')) {
        return Err(s.expected("'T' between the date and the clock time"));
    }
    let clock = s.clock()?;
    let offset = s.zone()?;
    if !s.done() {
        return Err(s.expected("the end of the time"));
    }
    let local = PrimitiveDateTime::new(date, clock);
    Ok(Moment::Instant(Timestamp::from_datetime(
        local.assume_offset(offset),
    )))
}

struct Scan {
    chars: Vec<char>,
    pos: usize,
    /// Offset of `chars[0]` in the raw value.
    at: usize,
}

impl Scan {
    fn offset(&self) -> usize {
        self.at + self.pos
    }

    fn done(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expected(&self, what: &'static str) -> Fail {
        (Fault::TimeExpected(what), self.offset())
    }

    fn expect(&mut self, c: char, what: &'static str) -> Result<(), Fail> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// Exactly `n` ASCII digits, their value, and the offset of the first.
    fn digits(&mut self, n: usize, what: &'static str) -> Result<(u32, usize), Fail> {
        let start = self.offset();
        let mut value = 0;
        for _ in 0..n {
            match self.peek().and_then(|c| c.to_digit(10)) {
                Some(d) => value = value * 10 + d,
                None => return Err(self.expected(what)),
            }
            self.pos += 1;
        }
        Ok((value, start))
    }

    /// A two-digit number no greater than `max`.
    fn part(&mut self, what: &'static str, name: &'static str, max: u32) -> Result<u8, Fail> {
        let (v, at) = self.digits(2, what)?;
        match u8::try_from(v) {
            Ok(v) if u32::from(v) <= max => Ok(v),
            _ => Err((Fault::TimeOutOfRange(name), at)),
        }
    }

    fn date(&mut self) -> Result<Date, Fail> {
        let (year, _) = self.digits(4, "a four-digit year")?;
        self.expect('-', "'-' after the year")?;
        let (month, month_at) = self.digits(2, "a two-digit month")?;
        self.expect('-', "'-' after the month")?;
        let (day, day_at) = self.digits(2, "a two-digit day")?;
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or((Fault::TimeOutOfRange("month"), month_at))?;
        let year = i32::try_from(year).map_err(|_| (Fault::TimeOutOfRange("year"), self.at))?;
        let day = u8::try_from(day).map_err(|_| (Fault::TimeOutOfRange("day"), day_at))?;
        Date::from_calendar_date(year, month, day)
            .map_err(|_| (Fault::TimeOutOfRange("day"), day_at))
    }

    fn clock(&mut self) -> Result<Time, Fail> {
        let hour = self.part("a two-digit hour", "hour", 23)?;
        self.expect(':', "':' after the hour")?;
        let minute = self.part("two-digit minutes", "minute", 59)?;
        let mut second = 0;
        let mut milli = 0;
        if self.eat(':') {
            second = self.part("two-digit seconds", "second", 59)?;
            if self.eat('.') {
                let (first, _) = self.digits(1, "a digit after '.'")?;
                milli = first * 100;
                for scale in [10, 1] {
                    match self.peek().and_then(|c| c.to_digit(10)) {
                        Some(d) => milli += d * scale,
                        None => break,
                    }
                    self.pos += 1;
                }
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
        }
        let milli = u16::try_from(milli).unwrap_or(0);
        Time::from_hms_milli(hour, minute, second, milli)
            .map_err(|_| (Fault::TimeOutOfRange("clock time"), self.offset()))
    }

    /// `Z`, or an offset from UTC.
    fn zone(&mut self) -> Result<UtcOffset, Fail> {
        if self.eat('Z') || self.eat('z') {
            return Ok(UtcOffset::UTC);
        }
        let sign_at = self.offset();
        let sign: i8 = if self.eat('+') {
            1
        } else if self.eat('-') {
            -1
        } else {
            return Err(self.expected("'Z' or an offset such as +0800"));
        };
        let hours = self.part("a two-digit offset hour", "UTC offset", 23)?;
        let minutes = if self.eat(':') || self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.part("two-digit offset minutes", "UTC offset", 59)?
        } else {
            0
        };
        let (h, m) = (i8::try_from(hours), i8::try_from(minutes));
        match (h, m) {
            (Ok(h), Ok(m)) => UtcOffset::from_hms(sign * h, sign * m, 0)
                .map_err(|_| (Fault::TimeOutOfRange("UTC offset"), sign_at)),
            _ => Err((Fault::TimeOutOfRange("UTC offset"), sign_at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_610_531_047_182; // 2021-01-13T09:44:07.182Z

    fn instant(text: &str) -> i64 {
        match parse(text, 0).unwrap() {
            Moment::Instant(t) => t.millis(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn spellings_of_one_instant() {
        for text in [
            "2021-01-13T09:44:07.182+0000",
            "2021-01-13T09:44:07.182Z",
            "2021-01-13t09:44:07.182z",
            "2021-01-13T09:44:07.182+00:00",
            "2021-01-13T09:44:07.182-00",
            "2021-01-13T17:44:07.182+0800",
            "2021-01-13T17:44:07.182+08:00",
            "2021-01-13T17:44:07.182+08",
            "2021-01-13T04:14:07.182-05:30",
            "2021-01-13T09:44:07.182999999Z",
        ] {
            assert_eq!(instant(text), T, "{text}");
        }
        assert_eq!(instant("2021-01-13T09:44:07Z"), T - 182);
        assert_eq!(instant("2021-01-13T09:44Z"), T - 7_182);
        assert_eq!(instant("2021-01-13T09:44:07.1Z"), T - 82);
    }

    #[test]
    fn a_date_is_a_day() {
        assert_eq!(
            parse("2021-01-13", 0).unwrap(),
            Moment::Day {
                start: Timestamp::from_millis(1_610_496_000_000),
                next: Some(Timestamp::from_millis(1_610_582_400_000)),
            }
        );
        assert!(matches!(
            parse("9999-12-31", 0).unwrap(),
            Moment::Day { next: None, .. }
        ));
        assert_eq!(
            parse_time("2021-01-13"),
            Some(Timestamp::from_millis(1_610_496_000_000))
        );
        assert_eq!(
            parse_time("2021-01-13T09:44:07.182+0000"),
            Some(Timestamp::from_millis(T))
        );
        assert_eq!(parse_time("13/01/2021"), None);
    }

    #[test]
    fn faults_point_at_their_character() {
        let cases: &[(&str, Fault, usize)] = &[
            ("", Fault::TimeExpected("a four-digit year"), 0),
            ("21-01-13", Fault::TimeExpected("a four-digit year"), 2),
            ("2021/01/13", Fault::TimeExpected("'-' after the year"), 4),
            ("2021-1-13", Fault::TimeExpected("a two-digit month"), 6),
            ("2021-01-1", Fault::TimeExpected("a two-digit day"), 9),
            ("2021-13-01", Fault::TimeOutOfRange("month"), 5),
            ("2021-00-01", Fault::TimeOutOfRange("month"), 5),
            ("2021-02-29", Fault::TimeOutOfRange("day"), 8),
            (
                "2021-01-13 09:44:07Z",
                Fault::TimeExpected("'T' between the date and the clock time"),
                10,
            ),
            ("2021-01-13T24:00:00Z", Fault::TimeOutOfRange("hour"), 11),
            (
                "2021-01-13T09-44Z",
                Fault::TimeExpected("':' after the hour"),
                13,
            ),
            ("2021-01-13T09:60Z", Fault::TimeOutOfRange("minute"), 14),
            ("2021-01-13T09:44:60Z", Fault::TimeOutOfRange("second"), 17),
            (
                "2021-01-13T09:44:07.Z",
                Fault::TimeExpected("a digit after '.'"),
                20,
            ),
            (
                "2021-01-13T09:44:07",
                Fault::TimeExpected("'Z' or an offset such as +0800"),
                19,
            ),
            (
                "2021-01-13T09:44:07+2400",
                Fault::TimeOutOfRange("UTC offset"),
                20,
            ),
            (
                "2021-01-13T09:44:07+0860",
                Fault::TimeOutOfRange("UTC offset"),
                22,
            ),
            (
                "2021-01-13T09:44:07+08:0",
                Fault::TimeExpected("two-digit offset minutes"),
                24,
            ),
            (
                "2021-01-13T09:44:07Zx",
                Fault::TimeExpected("the end of the time"),
                20,
            ),
            (
                "2021-01-13x",
                Fault::TimeExpected("'T' between the date and the clock time"),
                10,
            ),
            (
                "２０２１-01-13",
                Fault::TimeExpected("a four-digit year"),
                0,
            ),
        ];
        for (text, fault, offset) in cases {
            assert_eq!(parse(text, 0), Err((fault.clone(), *offset)), "{text}");
            assert_eq!(
                parse(text, 5),
                Err((fault.clone(), offset + 5)),
                "{text} at 5"
            );
        }
    }
}
