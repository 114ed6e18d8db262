//! Tencent EIAM's SearchCondition values (`UserSearchCriteria` of ListUsers,
//! ListUsersInUserGroup, ListUsersInOrgNode), parsed into idplane-core [`UserCondition`]s.
//!
//! # What Tencent documents
//!
//! The SDK docstring of `SearchCondition` says: double quotes (“”) mean a full match; a value
//! ending in `*` means a partial match; `[Min,Max]` is a closed interval, `{Min,Max}` an open
//! one, and the two may be mixed (`{Min,Max]`: open at Min, closed at Max); `*` may stand for
//! an end (`{20,*]`: everything above 20); time ranges work on `CreationTime` and
//! `LastUpdateTime`, in ISO 8601 such as `2021-01-13T09:44:07.182+0000`. The fields: `Status`
//! is one of `NORMAL`, `FREEZE`, `LOCKED`, `NOT_ENABLED`; `Keyword` is a name search over the
//! user name and the user id. Nothing is said about a value in none of these forms, nor about
//! escapes, blanks or errors beyond the two codes `InvalidParameter.SearchCriteriaIllegal`
//! and `InvalidParameter.TimeFormatIllegal`. The decisions below fill those gaps.
//!
//! # Grammar of one value
//!
//! ```text
//! value  = blank* ( exact | range | prefix | plain ) blank*
//! exact  = '"' { char - '"' }- '"'                 no escapes; "ab*" is a literal star
//! range  = ( '[' | '{' ) end ',' end ( ']' | '}' )   '[' ']' closed, '{' '}' open, mixable
//! end    = blank* ( '*' | word ) blank*             '*' alone: unbounded
//! prefix = word '*'
//! plain  = word
//! word   = { char - ( '"' | '[' | ']' | '{' | '}' | '*' | '“' | '”' | '，' ) }-
//!          inside a range end also without ','; taken literally, inner blanks included
//! char   = any character but a control character
//! ```
//!
//! The words of `CreationTime` and `LastUpdateTime` (plain, quoted or range ends) are ISO 8601:
//!
//! ```text
//! time   = date [ ( 'T' | 't' ) clock zone ]
//! date   = d d d d '-' d d '-' d d                 a real calendar day, years 0000–9999
//! clock  = d d ':' d d [ ':' d d [ '.' d { d } ] ]  00–23 : 00–59 : 00–59, past ms dropped
//! zone   = 'Z' | 'z' | ( '+' | '-' ) d d [ [ ':' ] d d ]   up to ±23:59
//! ```
//!
//! So `2021-01-13T09:44:07.182+0000` (Tencent's form), `…+08:00`, `…+08`, `…Z`, without
//! seconds or fraction, or a date alone. A clock time needs its zone.
//!
//! # What a value means, per field
//!
//! | form | UserName, Phone, Email | Status | CreationTime, LastUpdateTime | Keyword |
//! |---|---|---|---|---|
//! | `"x"` | [`TextMatch::Exact`] | that status | as plain | as plain |
//! | `x*` | [`TextMatch::Prefix`] | error | error | as plain |
//! | `x` | [`TextMatch::Contains`] | that status | that instant (`[t,t]`) or that UTC day | substring of user name or user id |
//! | range | [`RangeValue::Text`] bounds | error | [`RangeValue::Time`] bounds | error |
//!
//! * A plain text value is a substring match ("fuzzy", like `Keyword`): Tencent documents
//!   only the quoted and starred forms, so the plain one takes the broadest reading. The store
//!   compares user names and emails case-insensitively.
//! * A status is one of the four EIAM names, in any ASCII case; `NORMAL` covers several domain
//!   states (see [`states_for`]).
//! * A date alone names its whole UTC day: plain `2021-01-13` is `[13th 00:00, 14th 00:00)`;
//!   as a range end a closed bracket includes the day and an open one excludes it, so
//!   `[2021-01-01,2021-01-31]` is all of January and `{2021-01-13,*]` starts on the 14th.
//!   A time with a clock is one instant, to the millisecond.
//! * `Keyword` always searches for a substring of the user name or the user id; quotes and
//!   a trailing `*` only delimit the text.
//!
//! # Edge cases
//!
//! * A missing field, an empty string or blanks only: the field is not searched on
//!   ([`parse_criteria`]); [`parse_value`] itself calls such a value [`Fault::Empty`].
//! * Blanks around the value, around range ends and around the comma are ignored; blanks
//!   inside a word or inside quotes are part of the text.
//! * `""`, a lone `*`, a `*` anywhere but at the end of a prefix or alone as a range end, a
//!   quote or bracket inside a word, text after the closing quote or bracket, and a range with
//!   a missing or a third end are errors. A quote cannot be put inside quotes.
//! * A range that holds nothing (`[m,a]`, `{a,a]`, `{2021-01-13,2021-01-14}`) is an error,
//!   not an empty result. Text ends are compared by code point.
//! * The full-width `“`, `”` and `，` (as the Chinese docs print the grammar) are refused
//!   outside quotes, with a hint to use the ASCII ones.
//! * At most [`MAX_VALUE_LEN`] characters; no control characters.
//!
//! Errors name the field, the character offset and the fault, e.g.
//! `SearchCondition.CreationTime: unclosed range at offset 11: expected ',' and the high end`;
//! their [`ErrorKind`] says which EIAM code the dialect answers with.

mod error;
mod iso8601;
mod meaning;
mod status;
mod syntax;

#[cfg(doc)]
use idplane_core::query::{RangeValue, TextMatch};
use idplane_core::query::{UserCondition, UserField};

pub use error::{CriteriaError, ErrorKind, Fault};
pub use iso8601::parse_time;
pub use status::{eiam_status, states_for};

/// The longest value accepted, in characters.
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

    /// The name EIAM gives the field.
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

    /// The user attribute the field searches (`Keyword` searches two: see [`UserCondition::Keyword`]).
    pub fn user_field(self) -> UserField {
        match self {
            Field::UserName | Field::Keyword => UserField::Username,
            Field::Phone => UserField::Phone,
            Field::Email => UserField::Email,
            Field::Status => UserField::State,
            Field::CreationTime => UserField::CreateTime,
            Field::LastUpdateTime => UserField::UpdateTime,
        }
    }
}

/// `UserSearchCriteria` as it arrives; `None`, empty or blank means the field is not searched.
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

impl SearchCriteria {
    /// The given fields and their values, in [`Field::ALL`] order.
    pub fn values(&self) -> impl Iterator<Item = (Field, &str)> {
        [
            (Field::UserName, &self.user_name),
            (Field::Phone, &self.phone),
            (Field::Email, &self.email),
            (Field::Status, &self.status),
            (Field::CreationTime, &self.creation_time),
            (Field::LastUpdateTime, &self.last_update_time),
            (Field::Keyword, &self.keyword),
        ]
        .into_iter()
        .filter_map(|(field, value)| Some((field, value.as_deref()?)))
        .filter(|(_, value)| !value.trim().is_empty())
    }
}

/// Every condition the criteria ask for, in [`Field::ALL`] order; they all hold at once.
/// The first faulty field stops the parse.
pub fn parse_criteria(c: &SearchCriteria) -> Result<Vec<UserCondition>, CriteriaError> {
    c.values()
        .map(|(field, value)| parse_value(field, value))
        .collect()
}

/// Parses one value of one field.
pub fn parse_value(field: Field, raw: &str) -> Result<UserCondition, CriteriaError> {
    syntax::parse(raw)
        .and_then(|value| meaning::condition(field, value))
        .map_err(|(fault, offset)| CriteriaError::new(field, offset, fault))
}

#[cfg(test)]
mod tests;
