//! Tencent EIAM's SearchCondition values (`UserSearchCriteria`), parsed into idplane-core's
//! [`UserCondition`]s by a hand-written recursive-descent parser.
//!
//! Grammar of one value (after trimming surrounding whitespace; an empty value means the field
//! was not given):
//!
//! ```text
//! value  = exact | range | prefix | plain
//! exact  = '"' { any character but '"' } '"'          exact match ("abc*" is a literal star)
//! range  = open bound ',' bound close                  e.g. [a,b]  {20,*]  [*,2021-01-13]
//! open   = '[' (closed) | '{' (open)
//! close  = ']' (closed) | '}' (open)
//! bound  = '*' (unbounded) | text                      text: no ',', brackets, braces or quotes
//! prefix = text '*'                                    prefix match
//! plain  = text                                        the field's default match (below)
//! ```
//!
//! A plain value (none of the forms above) means, per field: a case-insensitive substring
//! ("fuzzy") match for `UserName`, `Phone` and `Email`, as Tencent's console searches; an exact
//! status for `Status`; the exact instant for `CreationTime` / `LastUpdateTime`.
//! `Keyword` is always a substring match on the user name or the user id.
//!
//! Times are ISO 8601: `2021-01-13T09:44:07.182+0000` (Tencent's form), `…+00:00`, `…Z`, with
//! or without fractional seconds, or a date alone (`2021-01-13`, midnight UTC). Status values
//! are `NORMAL`, `FREEZE`, `LOCKED`, `NOT_ENABLED`; a status takes neither ranges nor prefixes,
//! and a time takes no prefix. A range whose low end is above its high end, a value longer than
//! 256 characters, or anything malformed is an error naming the field, the offset and the fault.

mod status;
mod timefmt;

use std::fmt;
use std::ops::Bound;

use idplane_core::clock::Timestamp;
use idplane_core::query::{RangeValue, TextMatch, UserCondition, UserField};

pub use status::{eiam_status, states_for};
pub use timefmt::parse as parse_time;

/// The longest value accepted.
pub const MAX_VALUE_LEN: usize = 256;

/// A field of `UserSearchCriteria`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    UserName,
    Phone,
    Email,
    Status,
    CreationTime,
    LastUpdateTime,
    Keyword,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::UserName,
        Field::Phone,
        Field::Email,
        Field::Status,
        Field::CreationTime,
        Field::LastUpdateTime,
        Field::Keyword,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::UserName => "UserName",
            Field::Phone => "Phone",
            Field::Email => "Email",
            Field::Status => "Status",
            Field::CreationTime => "CreationTime",
            Field::LastUpdateTime => "LastUpdateTime",
            Field::Keyword => "Keyword",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Field::UserName | Field::Phone | Field::Email => ValueKind::Text,
            Field::Status => ValueKind::Status,
            Field::CreationTime | Field::LastUpdateTime => ValueKind::Time,
            Field::Keyword => ValueKind::Keyword,
        }
    }

    fn user_field(self) -> UserField {
        match self {
            Field::UserName => UserField::PreferredUsername,
            Field::Phone => UserField::PhoneNumber,
            Field::Email => UserField::Email,
            Field::Status => UserField::State,
            Field::CreationTime => UserField::CreateTime,
            Field::LastUpdateTime => UserField::UpdateTime,
            Field::Keyword => UserField::PreferredUsername,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Text,
    Status,
    Time,
    Keyword,
}

/// What kind of fault a value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The value breaks the grammar (EIAM `InvalidParameter.SearchCriteriaIllegal`).
    Syntax,
    /// A time is not ISO 8601 (EIAM `InvalidParameter.TimeFormatIllegal`).
    TimeFormat,
}

/// Why a value was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaError {
    pub field: String,
    /// Character offset in the value (0-based).
    pub offset: usize,
    pub message: String,
    pub kind: ErrorKind,
}

impl fmt::Display for CriteriaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SearchCondition.{}: {} at offset {}",
            self.field, self.message, self.offset
        )
    }
}

impl std::error::Error for CriteriaError {}

/// `UserSearchCriteria` as it arrives; `None` or an empty value means not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchCriteria {
    pub user_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub creation_time: Option<String>,
    pub last_update_time: Option<String>,
    pub keyword: Option<String>,
}

/// Every condition the criteria ask for; they all hold at once.
pub fn parse_criteria(c: &SearchCriteria) -> Result<Vec<UserCondition>, CriteriaError> {
    let fields = [
        (Field::UserName, &c.user_name),
        (Field::Phone, &c.phone),
        (Field::Email, &c.email),
        (Field::Status, &c.status),
        (Field::CreationTime, &c.creation_time),
        (Field::LastUpdateTime, &c.last_update_time),
        (Field::Keyword, &c.keyword),
    ];
    let mut out = Vec::new();
    for (field, value) in fields {
        if let Some(v) = value
            && let Some(cond) = parse_value(field, v)?
        {
            out.push(cond);
        }
    }
    Ok(out)
}

/// Parses one value; `Ok(None)` for an empty value.
pub fn parse_value(field: Field, raw: &str) -> Result<Option<UserCondition>, CriteriaError> {
    Parser::new(field, raw).parse()
}

/// A parsed bound of a range.
enum RawBound {
    Unbounded,
    Value { text: String, offset: usize },
}

struct Parser<'a> {
    field: Field,
    chars: Vec<char>,
    /// Offset of `chars[0]` in the raw value (leading whitespace skipped).
    base: usize,
    raw: &'a str,
}

impl<'a> Parser<'a> {
    fn new(field: Field, raw: &'a str) -> Self {
        let leading = raw.chars().take_while(|c| c.is_whitespace()).count();
        let chars: Vec<char> = raw.trim().chars().collect();
        Self {
            field,
            chars,
            base: leading,
            raw,
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> CriteriaError {
        CriteriaError {
            field: self.field.name().to_owned(),
            offset: self.base + offset,
            message: message.into(),
            kind: ErrorKind::Syntax,
        }
    }

    fn parse(&self) -> Result<Option<UserCondition>, CriteriaError> {
        let n = self.chars.len();
        if n == 0 {
            return Ok(None);
        }
        if self.raw.chars().count() > MAX_VALUE_LEN {
            // The offset counts from the raw value's start: the limit applies to all of it.
            let mut e = self.error(0, format!("longer than {MAX_VALUE_LEN} characters"));
            e.offset = MAX_VALUE_LEN;
            return Err(e);
        }
        if let Some(bad) = self.chars.iter().position(|c| c.is_control()) {
            return Err(self.error(bad, "control characters are not allowed"));
        }
        let kind = self.field.kind();
        if kind == ValueKind::Keyword {
            let text: String = self.chars.iter().collect();
            return Ok(Some(UserCondition::Keyword(text)));
        }
        match self.chars[0] {
            '"' => self.exact(),
            '[' | '{' => self.range(),
            _ => self.prefix_or_plain(),
        }
    }

    /// `"…"`: everything between the quotes, literally.
    fn exact(&self) -> Result<Option<UserCondition>, CriteriaError> {
        let n = self.chars.len();
        let close = self.chars[1..]
            .iter()
            .position(|&c| c == '"')
            .map(|p| p + 1)
            .ok_or_else(|| self.error(n, "unclosed quote: expected '\"'"))?;
        if close != n - 1 {
            return Err(self.error(close + 1, "unexpected text after the closing quote"));
        }
        let text: String = self.chars[1..close].iter().collect();
        if text.is_empty() {
            return Err(self.error(1, "empty exact value"));
        }
        self.single(text, 1, Match::Exact)
    }

    fn prefix_or_plain(&self) -> Result<Option<UserCondition>, CriteriaError> {
        let n = self.chars.len();
        if let Some(bad) = self
            .chars
            .iter()
            .position(|c| matches!(c, '"' | '[' | ']' | '{' | '}'))
        {
            return Err(self.error(
                bad,
                format!(
                    "unexpected {:?}: quotes and brackets only open a value",
                    self.chars[bad]
                ),
            ));
        }
        let stars: Vec<usize> = (0..n).filter(|&i| self.chars[i] == '*').collect();
        match stars.as_slice() {
            [] => {
                let text: String = self.chars.iter().collect();
                self.single(text, 0, Match::Plain)
            }
            [last] if *last == n - 1 => {
                if n == 1 {
                    return Err(self.error(
                        0,
                        "nothing before '*': a prefix needs at least one character",
                    ));
                }
                let text: String = self.chars[..n - 1].iter().collect();
                self.single(text, 0, Match::Prefix)
            }
            [first, ..] => Err(self.error(
                *first,
                "'*' may only end a prefix value or stand for an open range end",
            )),
        }
    }

    fn single(
        &self,
        text: String,
        offset: usize,
        m: Match,
    ) -> Result<Option<UserCondition>, CriteriaError> {
        let field = self.field.user_field();
        match self.field.kind() {
            ValueKind::Text | ValueKind::Keyword => {
                let matches = match m {
                    Match::Exact => TextMatch::Exact(text),
                    Match::Prefix => TextMatch::Prefix(text),
                    Match::Plain => TextMatch::Contains(text),
                };
                Ok(Some(UserCondition::Text { field, matches }))
            }
            ValueKind::Status => {
                if m == Match::Prefix {
                    return Err(self.error(offset, "a status takes no prefix match"));
                }
                let states = states_for(&text).ok_or_else(|| {
                    self.error(
                        offset,
                        format!("unknown status {text:?}; expected NORMAL, FREEZE, LOCKED or NOT_ENABLED"),
                    )
                })?;
                Ok(Some(UserCondition::StateIn(states)))
            }
            ValueKind::Time => {
                if m == Match::Prefix {
                    return Err(self.error(
                        offset,
                        "a time takes no prefix match; use a range such as [a,b]",
                    ));
                }
                let t = self.time(&text, offset)?;
                Ok(Some(UserCondition::Range {
                    field,
                    low: Bound::Included(RangeValue::Time(t)),
                    high: Bound::Included(RangeValue::Time(t)),
                }))
            }
        }
    }

    fn time(&self, text: &str, offset: usize) -> Result<Timestamp, CriteriaError> {
        timefmt::parse(text).ok_or_else(|| CriteriaError {
            field: self.field.name().to_owned(),
            offset: self.base + offset,
            message: format!(
                "{text:?} is not an ISO 8601 time such as 2021-01-13T09:44:07.182+0000"
            ),
            kind: ErrorKind::TimeFormat,
        })
    }

    /// `[` or `{`, a bound, `,`, a bound, `]` or `}`.
    fn range(&self) -> Result<Option<UserCondition>, CriteriaError> {
        let n = self.chars.len();
        let low_closed = self.chars[0] == '[';
        let comma = self
            .chars
            .iter()
            .position(|&c| c == ',')
            .ok_or_else(|| self.error(n, "a range needs two ends separated by ','"))?;
        let close = match self.chars[n - 1] {
            ']' => true,
            '}' => false,
            _ => return Err(self.error(n, "unclosed range: expected ']' or '}'")),
        };
        if n < 3 || comma == n - 1 {
            return Err(self.error(n, "unclosed range: expected ']' or '}'"));
        }
        if let Some(extra) = self.chars[comma + 1..n - 1].iter().position(|&c| c == ',') {
            return Err(self.error(comma + 1 + extra, "a range has exactly two ends"));
        }
        let low = self.bound(1, comma)?;
        let high = self.bound(comma + 1, n - 1)?;
        if matches!(self.field.kind(), ValueKind::Status) {
            return Err(self.error(0, "a status takes no range"));
        }
        let field = self.field.user_field();
        let convert = |b: RawBound, closed: bool| -> Result<Bound<RangeValue>, CriteriaError> {
            match b {
                RawBound::Unbounded => Ok(Bound::Unbounded),
                RawBound::Value { text, offset } => {
                    let v = match self.field.kind() {
                        ValueKind::Time => RangeValue::Time(self.time(&text, offset)?),
                        _ => RangeValue::Text(text),
                    };
                    Ok(if closed {
                        Bound::Included(v)
                    } else {
                        Bound::Excluded(v)
                    })
                }
            }
        };
        let low = convert(low, low_closed)?;
        let high = convert(high, close)?;
        if let (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) =
            (&low, &high)
            && greater(a, b)
        {
            return Err(self.error(comma, "the low end of the range is above its high end"));
        }
        Ok(Some(UserCondition::Range { field, low, high }))
    }

    /// The text of one range end between `start` and `end` (exclusive), trimmed.
    fn bound(&self, start: usize, end: usize) -> Result<RawBound, CriteriaError> {
        let slice = &self.chars[start..end];
        let lead = slice.iter().take_while(|c| c.is_whitespace()).count();
        let text: String = slice.iter().collect::<String>().trim().to_owned();
        if text.is_empty() {
            return Err(self.error(start, "empty range end: use '*' for an unbounded end"));
        }
        if let Some(bad) = slice
            .iter()
            .position(|c| matches!(c, '"' | '[' | ']' | '{' | '}'))
        {
            return Err(self.error(
                start + bad,
                format!("unexpected {:?} inside a range", slice[bad]),
            ));
        }
        if text == "*" {
            return Ok(RawBound::Unbounded);
        }
        if let Some(star) = slice.iter().position(|&c| c == '*') {
            return Err(self.error(start + star, "'*' must stand alone as a range end"));
        }
        Ok(RawBound::Value {
            text,
            offset: start + lead,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Exact,
    Prefix,
    Plain,
}

fn greater(a: &RangeValue, b: &RangeValue) -> bool {
    match (a, b) {
        (RangeValue::Text(a), RangeValue::Text(b)) => a > b,
        (RangeValue::Time(a), RangeValue::Time(b)) => a > b,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
