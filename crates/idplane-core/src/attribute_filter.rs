//! Searches on custom attribute values (ListUsers' `CustomAttributeFilter`): terms joined by a
//! relation, in at most three fixed levels (filter, groups, groups of a group), so nothing
//! that walks a filter recurses. A filter is asked with values as written and resolved
//! against the pool's declarations into typed tests the store runs on its value index.

use crate::error::{DomainError, DomainResult};
use crate::fields::Field;
use crate::model::custom_attribute::{AttributeType, CustomAttribute, MAX_STRING};

/// The most terms in one filter, over all its levels.
pub const MAX_TERMS: usize = 50;
/// The most groups at one level.
pub const MAX_GROUPS: usize = 10;

/// How the terms and groups of one level combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Relation {
    #[default]
    And,
    Or,
}

impl Relation {
    /// `And` or `Or` in any letter case; empty is `And`.
    pub fn parse(text: &str) -> DomainResult<Self> {
        match text.to_ascii_lowercase().as_str() {
            "" | "and" => Ok(Relation::And),
            "or" => Ok(Relation::Or),
            _ => Err(DomainError::invalid(
                Field::AttributeFilter,
                format!("Relation {text:?} is not And or Or"),
            )),
        }
    }
}

/// What a term asks of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeOp {
    Compare(Compare),
    /// Strings only: the value holds the text, in any letter case.
    Contains,
    /// Strings only: the value begins with the text.
    StartsWith,
    /// The user holds a value.
    Present,
    /// The user holds no value.
    Absent,
}

impl AttributeOp {
    /// An operator by name (any letter case) or symbol; README lists them.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let op = match text.to_ascii_lowercase().as_str() {
            "equal" | "equals" | "eq" | "=" | "==" => AttributeOp::Compare(Compare::Equal),
            "notequal" | "ne" | "!=" | "<>" => AttributeOp::Compare(Compare::NotEqual),
            "lessthan" | "lt" | "<" => AttributeOp::Compare(Compare::Less),
            "lessthanorequal" | "le" | "lte" | "<=" => AttributeOp::Compare(Compare::LessOrEqual),
            "greaterthan" | "gt" | ">" => AttributeOp::Compare(Compare::Greater),
            "greaterthanorequal" | "ge" | "gte" | ">=" => {
                AttributeOp::Compare(Compare::GreaterOrEqual)
            }
            "contains" | "like" => AttributeOp::Contains,
            "startswith" | "prefix" => AttributeOp::StartsWith,
            "isnotnull" | "exists" | "notempty" => AttributeOp::Present,
            "isnull" | "notexists" | "empty" => AttributeOp::Absent,
            _ => {
                return Err(DomainError::invalid(
                    Field::AttributeFilter,
                    format!("Operator {text:?} is not one of the operators the README lists"),
                ));
            }
        };
        Ok(op)
    }
}

/// A comparison of a stored value with a given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Compare {
    pub fn sql(self) -> &'static str {
        match self {
            Compare::Equal => "=",
            Compare::NotEqual => "<>",
            Compare::Less => "<",
            Compare::LessOrEqual => "<=",
            Compare::Greater => ">",
            Compare::GreaterOrEqual => ">=",
        }
    }
}

/// One term as a request asks it: an attribute by name, an operator, a value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedTerm {
    pub name: String,
    pub op: AttributeOp,
    pub value: String,
}

/// One term resolved against its declaration: the test the store runs on the attribute's
/// stored values (`name` is the declared name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeTest {
    pub name: String,
    pub test: ValueTest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueTest {
    Present,
    Absent,
    /// Compares the stored text (strings, booleans).
    Text(Compare, String),
    /// Compares the stored order key (numbers; date-times in microseconds since 1970).
    Ordinal(Compare, i64),
    /// The lower-cased stored text contains this lower-cased text.
    Contains(String),
    /// The stored text begins with this text.
    StartsWith(String),
}

/// The terms of one level and how they combine with its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level<T, G> {
    pub relation: Relation,
    pub terms: Vec<T>,
    pub groups: Vec<G>,
}

impl<T, G> Default for Level<T, G> {
    fn default() -> Self {
        Self {
            relation: Relation::And,
            terms: Vec::new(),
            groups: Vec::new(),
        }
    }
}

/// A filter: terms, groups of terms, and groups of those (the catalog's three levels).
pub type AttributeFilter<T> = Level<T, Level<T, Level<T, Never>>>;

/// No further level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Never {}

impl<T> AttributeFilter<T> {
    /// Every term, at every level.
    pub fn terms(&self) -> impl Iterator<Item = &T> {
        self.terms.iter().chain(self.groups.iter().flat_map(|g| {
            g.terms
                .iter()
                .chain(g.groups.iter().flat_map(|h| h.terms.iter()))
        }))
    }

    /// Refuses a filter with more than [`MAX_TERMS`] terms or [`MAX_GROUPS`] groups at a level.
    pub fn check_size(&self) -> DomainResult<()> {
        let too_many_groups = self.groups.len() > MAX_GROUPS
            || self.groups.iter().any(|g| g.groups.len() > MAX_GROUPS);
        if too_many_groups {
            return Err(DomainError::invalid(
                Field::AttributeFilter,
                format!("at most {MAX_GROUPS} groups at each level"),
            ));
        }
        if self.terms().count() > MAX_TERMS {
            return Err(DomainError::invalid(
                Field::AttributeFilter,
                format!("at most {MAX_TERMS} conditions in all"),
            ));
        }
        Ok(())
    }

    /// The same filter with each term mapped by `f`, or the first error.
    pub fn try_map<U>(
        self,
        mut f: impl FnMut(T) -> DomainResult<U>,
    ) -> DomainResult<AttributeFilter<U>> {
        let mut groups = Vec::with_capacity(self.groups.len());
        for g in self.groups {
            let mut inner = Vec::with_capacity(g.groups.len());
            for h in g.groups {
                inner.push(Level {
                    relation: h.relation,
                    terms: h.terms.into_iter().map(&mut f).collect::<Result<_, _>>()?,
                    groups: Vec::new(),
                });
            }
            groups.push(Level {
                relation: g.relation,
                terms: g.terms.into_iter().map(&mut f).collect::<Result<_, _>>()?,
                groups: inner,
            });
        }
        Ok(Level {
            relation: self.relation,
            terms: self
                .terms
                .into_iter()
                .map(&mut f)
                .collect::<Result<_, _>>()?,
            groups,
        })
    }
}

/// The order key of a stored value: a whole number itself, an RFC 3339 time in microseconds
/// since 1970; `None` for other text. Range searches on numbers and times compare these.
pub fn ordinal(value: &str) -> Option<i64> {
    if let Ok(n) = value.parse::<i64>() {
        return Some(n);
    }
    let at =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1000).ok()
}

/// Resolves one asked term against the pool's declarations.
pub fn resolve(declared: &[CustomAttribute], asked: AskedTerm) -> DomainResult<AttributeTest> {
    let attribute = declared
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(&asked.name))
        .ok_or_else(|| {
            DomainError::invalid(
                Field::AttributeFilter,
                format!("the pool declares no custom attribute {:?}", asked.name),
            )
        })?;
    let refuse = |message: String| {
        Err(DomainError::invalid(
            Field::AttributeFilter,
            format!("{}: {message}", attribute.name),
        ))
    };
    if asked.value.chars().count() > MAX_STRING as usize {
        return refuse(format!("a value is at most {MAX_STRING} characters"));
    }
    let test = match (asked.op, attribute.data_type) {
        (AttributeOp::Present, _) => ValueTest::Present,
        (AttributeOp::Absent, _) => ValueTest::Absent,
        (AttributeOp::Contains, AttributeType::String) => {
            ValueTest::Contains(asked.value.to_lowercase())
        }
        (AttributeOp::StartsWith, AttributeType::String) => ValueTest::StartsWith(asked.value),
        (AttributeOp::Contains | AttributeOp::StartsWith, t) => {
            return refuse(format!("{} values take no text match", t.as_str()));
        }
        (AttributeOp::Compare(c), AttributeType::String) => ValueTest::Text(c, asked.value),
        (AttributeOp::Compare(c), AttributeType::Boolean) => {
            let value = match asked.value.to_ascii_lowercase().as_str() {
                "true" => "true",
                "false" => "false",
                _ => return refuse(format!("{:?} is not true or false", asked.value)),
            };
            if !matches!(c, Compare::Equal | Compare::NotEqual) {
                return refuse("Boolean values take Equal or NotEqual".to_owned());
            }
            ValueTest::Text(c, value.to_owned())
        }
        (AttributeOp::Compare(c), t @ (AttributeType::Number | AttributeType::DateTime)) => {
            let key = match t {
                AttributeType::Number => asked.value.trim().parse::<i64>().ok(),
                _ => time::OffsetDateTime::parse(
                    asked.value.trim(),
                    &time::format_description::well_known::Rfc3339,
                )
                .ok()
                .and_then(|at| i64::try_from(at.unix_timestamp_nanos() / 1000).ok()),
            };
            let Some(key) = key else {
                return refuse(format!(
                    "{:?} is not a {}",
                    asked.value,
                    match t {
                        AttributeType::Number => "whole number",
                        _ => "RFC 3339 time such as 2026-01-31T08:00:00Z",
                    }
                ));
            };
            ValueTest::Ordinal(c, key)
        }
    };
    Ok(AttributeTest {
        name: attribute.name.clone(),
        test,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::clock::Timestamp;
    use crate::ids::{CustomAttributeUid, UserPoolUid};
    use crate::model::custom_attribute::Mutability;

    fn declared(name: &str, data_type: AttributeType) -> CustomAttribute {
        CustomAttribute {
            uid: CustomAttributeUid::generate(),
            pool_uid: UserPoolUid::generate(),
            name: name.to_owned(),
            data_type,
            mutability: Mutability::ReadWrite,
            minimum: None,
            maximum: None,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn asked(name: &str, op: &str, value: &str) -> AskedTerm {
        AskedTerm {
            name: name.to_owned(),
            op: AttributeOp::parse(op).unwrap(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn terms_resolve_by_declared_type() {
        let d = [
            declared("Level", AttributeType::Number),
            declared("team", AttributeType::String),
            declared("vip", AttributeType::Boolean),
            declared("since", AttributeType::DateTime),
        ];
        let t = resolve(&d, asked("level", ">=", " 3")).unwrap();
        assert_eq!(t.name, "Level");
        assert_eq!(t.test, ValueTest::Ordinal(Compare::GreaterOrEqual, 3));
        assert_eq!(
            resolve(&d, asked("team", "Contains", "Ops")).unwrap().test,
            ValueTest::Contains("ops".into())
        );
        assert_eq!(
            resolve(&d, asked("vip", "equal", "TRUE")).unwrap().test,
            ValueTest::Text(Compare::Equal, "true".into())
        );
        assert_eq!(
            resolve(&d, asked("since", "lt", "1970-01-01T00:00:01.5+00:00"))
                .unwrap()
                .test,
            ValueTest::Ordinal(Compare::Less, 1_500_000)
        );
        assert!(resolve(&d, asked("nope", "=", "1")).is_err());
        assert!(resolve(&d, asked("level", "=", "x")).is_err());
        assert!(resolve(&d, asked("level", "contains", "1")).is_err());
        assert!(resolve(&d, asked("vip", ">", "true")).is_err());
        assert!(AttributeOp::parse("approximately").is_err());
    }

    #[test]
    fn ordinals_order_numbers_and_times() {
        assert_eq!(ordinal("-12"), Some(-12));
        assert!(ordinal("2026-01-31T08:00:00Z") < ordinal("2026-01-31T08:00:00.5Z"));
        assert_eq!(ordinal("team"), None);
    }

    #[test]
    fn filters_are_bounded() {
        let term = || asked("a", "=", "1");
        let wide: AttributeFilter<AskedTerm> = Level {
            relation: Relation::Or,
            terms: (0..MAX_TERMS + 1).map(|_| term()).collect(),
            groups: Vec::new(),
        };
        assert!(wide.check_size().is_err());
        let many_groups: AttributeFilter<AskedTerm> = Level {
            relation: Relation::And,
            terms: Vec::new(),
            groups: (0..MAX_GROUPS + 1).map(|_| Level::default()).collect(),
        };
        assert!(many_groups.check_size().is_err());
    }
}
