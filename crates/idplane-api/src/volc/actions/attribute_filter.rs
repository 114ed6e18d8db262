//! `Filter.CustomAttributeFilter` of the user lists: conditions on custom attribute values, in
//! groups, and groups of groups, each level with its `Relation` (see the README for the
//! operators).

use idplane_core::DomainError;
use idplane_core::attribute_filter::{AskedTerm, AttributeFilter, AttributeOp, Level, Relation};
use idplane_core::fields::Field;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConditionIn {
    name: Option<String>,
    operator: Option<String>,
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupIn {
    conditions: Option<Vec<ConditionIn>>,
    relation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConvertGroupIn {
    conditions: Option<Vec<ConditionIn>>,
    groups: Option<Vec<GroupIn>>,
    relation: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomAttributeFilterIn {
    conditions: Option<Vec<ConditionIn>>,
    groups: Option<Vec<ConvertGroupIn>>,
    relation: Option<String>,
}

fn invalid(message: String) -> DomainError {
    DomainError::invalid(Field::AttributeFilter, message)
}

fn term(c: ConditionIn) -> Result<AskedTerm, DomainError> {
    let name = c
        .name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid("a condition names no attribute (Name)".to_owned()))?;
    let op = AttributeOp::parse(c.operator.as_deref().unwrap_or_default())?;
    let value = match c.value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(_) => return Err(invalid(format!("the value of {name} is not a string"))),
    };
    Ok(AskedTerm { name, op, value })
}

fn terms(conditions: Option<Vec<ConditionIn>>) -> Result<Vec<AskedTerm>, DomainError> {
    conditions
        .unwrap_or_default()
        .into_iter()
        .map(term)
        .collect()
}

fn relation(text: Option<String>) -> Result<Relation, DomainError> {
    Relation::parse(text.as_deref().unwrap_or_default())
}

impl CustomAttributeFilterIn {
    /// The filter as the directory takes it (its size is checked there).
    pub fn asked(self) -> Result<AttributeFilter<AskedTerm>, DomainError> {
        let mut groups = Vec::new();
        for g in self.groups.unwrap_or_default() {
            let mut inner = Vec::new();
            for h in g.groups.unwrap_or_default() {
                inner.push(Level {
                    relation: relation(h.relation)?,
                    terms: terms(h.conditions)?,
                    groups: Vec::new(),
                });
            }
            groups.push(Level {
                relation: relation(g.relation)?,
                terms: terms(g.conditions)?,
                groups: inner,
            });
        }
        Ok(Level {
            relation: relation(self.relation)?,
            terms: terms(self.conditions)?,
            groups,
        })
    }
}
