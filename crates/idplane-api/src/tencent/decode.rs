//! Turning a Tencent request's parameters into typed action inputs: the JSON body (TC3 POST) or
//! the 0-based flattened query/form fields (TC3 GET and legacy signatures).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::TcError;

/// Parameters that belong to the protocol, not to the action.
const PROTOCOL_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Token",
    "Language",
    "RequestClient",
];

/// The JSON body as an object (`{}` when empty).
pub fn json_body(body: &[u8]) -> Result<Value, TcError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TcError::InvalidParameter(format!("The body is not valid JSON: {e}")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(TcError::InvalidParameter(
            "The body must be a JSON object.".to_owned(),
        ))
    }
}

/// Rebuilds `A.0=x&A.1=y&B.C=z` into `{"A":["x","y"],"B":{"C":"z"}}` (list indexes are 0-based),
/// leaving out the protocol's own parameters.
pub fn unflatten(pairs: Vec<(String, String)>) -> Value {
    let mut root = Map::new();
    for (key, value) in pairs {
        if PROTOCOL_PARAMS.contains(&key.as_str()) {
            continue;
        }
        let parts: Vec<&str> = key.split('.').collect();
        insert(&mut root, &parts, value);
    }
    lists(Value::Object(root))
}

fn insert(map: &mut Map<String, Value>, parts: &[&str], value: String) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).to_owned(), Value::String(value));
        return;
    }
    let child = map
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(inner) = child {
        insert(inner, rest, value);
    }
}

fn lists(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            if !map.is_empty() && map.keys().all(|k| k.parse::<u32>().is_ok()) {
                let mut items: Vec<(u32, Value)> = map
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, lists(v))))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, lists(v))).collect())
            }
        }
        other => other,
    }
}

/// Decodes parameters into an action's input; errors name the field.
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, TcError> {
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if let Some(rest) = inner.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or("");
            let full = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            return TcError::MissingParameter(format!("The required parameter {full} is missing."));
        }
        TcError::InvalidParameter(format!("The parameter {path} is invalid: {inner}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unflattens_zero_based_lists() {
        let pairs = vec![
            ("ExpectedFields.1".to_owned(), "Phone".to_owned()),
            ("ExpectedFields.0".to_owned(), "UserName".to_owned()),
            ("Sort.SortKey".to_owned(), "UserName".to_owned()),
            ("Action".to_owned(), "ListUsers".to_owned()),
            ("Offset".to_owned(), "0".to_owned()),
        ];
        assert_eq!(
            unflatten(pairs),
            json!({"ExpectedFields": ["UserName", "Phone"], "Sort": {"SortKey": "UserName"}, "Offset": "0"})
        );
    }
}
