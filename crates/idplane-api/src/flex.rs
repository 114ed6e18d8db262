//! Wire values that arrive as JSON numbers/booleans in bodies but as strings in query strings
//! and forms.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// A `T` given either as itself or as a string that parses to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flex<T>(pub T);

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw<T> {
    Value(T),
    Text(String),
}

impl<'de, T> Deserialize<'de> for Flex<T>
where
    T: Deserialize<'de> + FromStr,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::<T>::deserialize(d)? {
            Raw::Value(v) => Ok(Flex(v)),
            Raw::Text(s) => {
                let normal = match s.as_str() {
                    "True" => "true",
                    "False" => "false",
                    other => other,
                };
                normal
                    .parse()
                    .map(Flex)
                    .map_err(|_| serde::de::Error::custom(format!("{s:?} has the wrong type")))
            }
        }
    }
}

pub type Int = Flex<i64>;
pub type Bool = Flex<bool>;

/// Unwraps an optional flexible value.
pub fn get<T: Copy>(v: Option<Flex<T>>) -> Option<T> {
    v.map(|f| f.0)
}
