//! A pool's custom user attributes: each declared with a type, bounds and whether its value
//! may change, and every value written to a user checked against its declaration.

use crate::clock::Timestamp;
use crate::error::{DomainError, DomainResult, Field};
use crate::ids::{CustomAttributeUid, UserPoolUid};

/// The most custom attributes one pool declares.
pub const MAX_PER_POOL: usize = 50;
/// The longest name.
pub const MAX_NAME: usize = 64;
/// The longest string value (and the largest `Maximum` of a string attribute).
pub const MAX_STRING: i64 = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    String,
    /// A whole number (64-bit).
    Number,
    Boolean,
    /// An RFC 3339 date and time, stored in UTC.
    DateTime,
}

impl AttributeType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "String",
            AttributeType::Number => "Number",
            AttributeType::Boolean => "Boolean",
            AttributeType::DateTime => "DateTime",
        }
    }

    /// Reads a type name, in any letter case.
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text.to_ascii_lowercase().as_str() {
            "string" => Ok(AttributeType::String),
            "number" => Ok(AttributeType::Number),
            "boolean" => Ok(AttributeType::Boolean),
            "datetime" => Ok(AttributeType::DateTime),
            _ => Err(DomainError::invalid(
                Field::AttributeType,
                "expected String, Number, Boolean or DateTime",
            )),
        }
    }
}

/// Whether a user's value may change once set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadWrite,
    /// Set once (when the user is made, or the first time it is given), never changed.
    ReadOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadWrite => "ReadWrite",
            Mutability::ReadOnly => "ReadOnly",
        }
    }

    /// Reads `ReadWrite` or `ReadOnly`, in any letter case, with or without `_`.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let folded: String = text
            .chars()
            .filter(|c| *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.as_str() {
            "readwrite" => Ok(Mutability::ReadWrite),
            "readonly" => Ok(Mutability::ReadOnly),
            _ => Err(DomainError::invalid(
                Field::AttributeMutability,
                "expected ReadWrite or ReadOnly",
            )),
        }
    }
}

/// A custom attribute as a pool declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomAttribute {
    pub uid: CustomAttributeUid,
    pub pool_uid: UserPoolUid,
    pub name: String,
    pub data_type: AttributeType,
    pub mutability: Mutability,
    /// Strings: the fewest characters; numbers: the smallest value.
    pub minimum: Option<i64>,
    /// Strings: the most characters; numbers: the largest value.
    pub maximum: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A name is 1 to 64 letters, digits and `_`, starting with a letter.
pub fn check_name(name: &str) -> DomainResult<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            Field::AttributeName,
            format!("a name is 1 to {MAX_NAME} letters, digits and _, starting with a letter"),
        ))
    }
}

/// Bounds fit the type: strings 0 to 2048 characters, numbers any range, none for the rest.
pub fn check_bounds(
    data_type: AttributeType,
    minimum: Option<i64>,
    maximum: Option<i64>,
) -> DomainResult<()> {
    let refuse = |field, message: &str| Err(DomainError::invalid(field, message));
    match data_type {
        AttributeType::Boolean | AttributeType::DateTime => {
            if minimum.is_some() {
                return refuse(
                    Field::AttributeMinimum,
                    "only String and Number take bounds",
                );
            }
            if maximum.is_some() {
                return refuse(
                    Field::AttributeMaximum,
                    "only String and Number take bounds",
                );
            }
        }
        AttributeType::String => {
            if minimum.is_some_and(|m| !(0..=MAX_STRING).contains(&m)) {
                return refuse(Field::AttributeMinimum, "a string's length is 0 to 2048");
            }
            if maximum.is_some_and(|m| !(0..=MAX_STRING).contains(&m)) {
                return refuse(Field::AttributeMaximum, "a string's length is 0 to 2048");
            }
        }
        AttributeType::Number => {}
    }
    if let (Some(low), Some(high)) = (minimum, maximum)
        && low > high
    {
        return refuse(Field::AttributeMaximum, "Maximum is below Minimum");
    }
    Ok(())
}

impl CustomAttribute {
    /// `value` as stored for this attribute, or why it does not fit.
    pub fn value(&self, value: &str) -> DomainResult<String> {
        let refuse = |message: String| {
            Err(DomainError::invalid(
                Field::CustomAttributeValue,
                format!("{}: {message}", self.name),
            ))
        };
        match self.data_type {
            AttributeType::String => {
                let n = i64::try_from(value.chars().count()).unwrap_or(i64::MAX);
                let (low, high) = (
                    self.minimum.unwrap_or(0),
                    self.maximum.unwrap_or(MAX_STRING),
                );
                if n < low || n > high {
                    return refuse(format!("{low} to {high} characters, got {n}"));
                }
                if value.chars().any(char::is_control) {
                    return refuse("control characters are not accepted".to_owned());
                }
                Ok(value.to_owned())
            }
            AttributeType::Number => {
                let Ok(n) = value.trim().parse::<i64>() else {
                    return refuse(format!("{value:?} is not a whole number"));
                };
                if self.minimum.is_some_and(|m| n < m) || self.maximum.is_some_and(|m| n > m) {
                    return refuse(format!(
                        "{n} is outside {}..{}",
                        self.minimum.map(|m| m.to_string()).unwrap_or_default(),
                        self.maximum.map(|m| m.to_string()).unwrap_or_default()
                    ));
                }
                Ok(n.to_string())
            }
            AttributeType::Boolean => match value.to_ascii_lowercase().as_str() {
                "true" => Ok("true".to_owned()),
                "false" => Ok("false".to_owned()),
                _ => refuse(format!("{value:?} is not true or false")),
            },
            AttributeType::DateTime => {
                let format = time::format_description::well_known::Rfc3339;
                match time::OffsetDateTime::parse(value, &format) {
                    Ok(at) => at
                        .to_offset(time::UtcOffset::UTC)
                        .format(&format)
                        .or_else(|_| refuse("out of range".to_owned())),
                    Err(_) => refuse(format!(
                        "{value:?} is not an RFC 3339 time such as 2026-01-31T08:00:00Z"
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn attribute(
        data_type: AttributeType,
        minimum: Option<i64>,
        maximum: Option<i64>,
    ) -> CustomAttribute {
        CustomAttribute {
            uid: CustomAttributeUid::generate(),
            pool_uid: UserPoolUid::generate(),
            name: "a".into(),
            data_type,
            mutability: Mutability::ReadWrite,
            minimum,
            maximum,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn values_are_checked_and_stored_canonically() {
        let number = attribute(AttributeType::Number, Some(1), Some(10));
        assert_eq!(number.value(" 7").unwrap(), "7");
        assert!(number.value("11").is_err() && number.value("x").is_err());
        let boolean = attribute(AttributeType::Boolean, None, None);
        assert_eq!(boolean.value("TRUE").unwrap(), "true");
        assert!(boolean.value("yes").is_err());
        let at = attribute(AttributeType::DateTime, None, None);
        assert_eq!(
            at.value("2026-01-31T09:00:00+01:00").unwrap(),
            "2026-01-31T08:00:00Z"
        );
        assert!(at.value("yesterday").is_err());
        let text = attribute(AttributeType::String, Some(2), Some(3));
        assert!(text.value("a").is_err() && text.value("abcd").is_err());
        assert_eq!(text.value("abc").unwrap(), "abc");
    }

    #[test]
    fn declarations_are_checked() {
        assert!(check_name("team_id").is_ok());
        for bad in ["", "9lives", "a-b", "ä", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_bounds(AttributeType::Boolean, Some(0), None).is_err());
        assert!(check_bounds(AttributeType::String, Some(0), Some(4096)).is_err());
        assert!(check_bounds(AttributeType::Number, Some(5), Some(1)).is_err());
        assert!(check_bounds(AttributeType::Number, Some(-5), Some(1)).is_ok());
        assert_eq!(
            Mutability::parse("READ_ONLY").unwrap(),
            Mutability::ReadOnly
        );
        assert_eq!(
            AttributeType::parse("datetime").unwrap(),
            AttributeType::DateTime
        );
    }
}
