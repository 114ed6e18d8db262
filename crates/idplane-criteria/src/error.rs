//! What can be wrong with a SearchCondition value: one fault enum, each fault worded once.

use std::fmt;

use crate::{Field, MAX_VALUE_LEN};

/// The example every time error quotes.
const TIME_EXAMPLE: &str = "times look like 2021-01-13T09:44:07.182+0000 or 2021-01-13";

/// Which EIAM error a fault is reported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The value breaks the grammar or names nothing (`InvalidParameter.SearchCriteriaIllegal`).
    Syntax,
    /// A time is not ISO 8601 or names no real instant (`InvalidParameter.TimeFormatIllegal`).
    TimeFormat,
}

/// One thing wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// More than [`MAX_VALUE_LEN`] characters.
    TooLong,
    /// Nothing but whitespace (only [`crate::parse_value`] sees this; criteria skip it).
    Empty,
    /// A control character inside the value.
    ControlChar,
    /// A full-width look-alike of a grammar character (`“`, `”`, `，`), as the Chinese docs print them.
    Lookalike(char),
    /// `"` without its closing `"`.
    UnclosedQuote,
    /// `""`.
    EmptyQuotes,
    /// Text after the closing `"`, `]` or `}` (the closer is given).
    TrailingText(char),
    /// `"`, `[`, `]`, `{` or `}` where it opens or closes nothing.
    StrayChar(char),
    /// `*` with no text before it.
    LoneStar,
    /// `*` neither ending a prefix nor standing alone as a range end.
    MisplacedStar,
    /// A range closed before its `,`.
    MissingComma,
    /// A third range end.
    ExtraComma,
    /// Nothing where a range end should be.
    EmptyBound,
    /// The value ended inside a range; says what was expected next.
    UnclosedRange { expected: &'static str },
    /// No value lies between the range's ends.
    EmptyRange,
    /// A status that is not one of EIAM's four.
    UnknownStatus(String),
    /// A form the field does not take (`form`: "prefix" or "range"), with a hint.
    FormNotAllowed {
        form: &'static str,
        hint: &'static str,
    },
    /// A time that breaks the ISO 8601 grammar; says what was expected.
    TimeExpected(&'static str),
    /// A time part outside its range (month 13, February 30, hour 24, offset +2400…).
    TimeOutOfRange(&'static str),
}

impl Fault {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Fault::TimeExpected(_) | Fault::TimeOutOfRange(_) => ErrorKind::TimeFormat,
            _ => ErrorKind::Syntax,
        }
    }

    /// What is wrong, in a few words.
    pub fn what(&self) -> String {
        match self {
            Fault::TooLong => "value too long".into(),
            Fault::Empty => "empty value".into(),
            Fault::ControlChar => "control character".into(),
            Fault::Lookalike(c) => format!("full-width {c:?}"),
            Fault::UnclosedQuote => "unclosed quote".into(),
            Fault::EmptyQuotes => "empty quotes".into(),
            Fault::TrailingText(_) => "unexpected text after the value".into(),
            Fault::StrayChar(c) => format!("unexpected {c:?}"),
            Fault::LoneStar => "'*' without a prefix".into(),
            Fault::MisplacedStar => "misplaced '*'".into(),
            Fault::MissingComma => "missing ','".into(),
            Fault::ExtraComma => "too many ','".into(),
            Fault::EmptyBound => "empty range end".into(),
            Fault::UnclosedRange { .. } => "unclosed range".into(),
            Fault::EmptyRange => "empty range".into(),
            Fault::UnknownStatus(s) => format!("unknown status {s:?}"),
            Fault::FormNotAllowed { form, .. } => format!("{form} not allowed"),
            Fault::TimeExpected(_) => "malformed time".into(),
            Fault::TimeOutOfRange(part) => format!("{part} out of range"),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Fault::TooLong => format!("a value has at most {MAX_VALUE_LEN} characters"),
            Fault::Empty => "omit the field to match every user".into(),
            Fault::ControlChar => "values are printable text".into(),
            Fault::Lookalike('，') => "separate range ends with an ASCII ','".into(),
            Fault::Lookalike(_) => "quote exact values with ASCII '\"'".into(),
            Fault::UnclosedQuote => "expected '\"'".into(),
            Fault::EmptyQuotes => "quote at least one character, or omit the field".into(),
            Fault::TrailingText('"') => {
                "a quoted value ends at its second '\"' (quotes cannot be escaped)".into()
            }
            Fault::TrailingText(_) => "a range ends at its closing ']' or '}'".into(),
            Fault::StrayChar(_) => {
                "'\"', '[', ']', '{' and '}' only open or close a whole value".into()
            }
            Fault::LoneStar => "put text before '*', or omit the field to match every user".into(),
            Fault::MisplacedStar => {
                "'*' may only end a prefix (ab*) or stand alone as a range end ({20,*])".into()
            }
            Fault::MissingComma => "a range has two ends: [min,max]".into(),
            Fault::ExtraComma => "a range has exactly two ends".into(),
            Fault::EmptyBound => "use '*' for an unbounded end".into(),
            Fault::UnclosedRange { expected } => format!("expected {expected}"),
            Fault::EmptyRange => "no value lies between its ends; put the lower end first".into(),
            Fault::UnknownStatus(_) => "expected NORMAL, FREEZE, LOCKED or NOT_ENABLED".into(),
            Fault::FormNotAllowed { hint, .. } => (*hint).into(),
            Fault::TimeExpected(expected) => format!("expected {expected}; {TIME_EXAMPLE}"),
            Fault::TimeOutOfRange(_) => TIME_EXAMPLE.into(),
        }
    }
}

/// Why a value was refused, and where: `SearchCondition.<field>: <what> at offset <n>: <hint>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaError {
    /// The `UserSearchCriteria` field, as EIAM spells it (`CreationTime`).
    pub field: String,
    /// Where the fault is: a 0-based offset in characters (not bytes) from the start of the
    /// value as sent, leading whitespace included. At most the value's length (the length
    /// itself means "at the end").
    pub offset: usize,
    /// `<what>: <hint>`.
    pub message: String,
    pub kind: ErrorKind,
    pub fault: Fault,
}

impl CriteriaError {
    pub(crate) fn new(field: Field, offset: usize, fault: Fault) -> Self {
        Self {
            field: field.name().to_owned(),
            offset,
            message: format!("{}: {}", fault.what(), fault.hint()),
            kind: fault.kind(),
            fault,
        }
    }
}

impl fmt::Display for CriteriaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SearchCondition.{}: {} at offset {}: {}",
            self.field,
            self.fault.what(),
            self.offset,
            self.fault.hint()
        )
    }
}

impl std::error::Error for CriteriaError {}
