//! Turning a request's parameters into typed action inputs, with errors that name the field.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::VolcError;
use crate::request::ApiRequest;

/// The action's parameters as one JSON object: the JSON body of a POST, or the flattened
/// query (GET) or form (POST form-encoded) fields, rebuilt into nested objects and lists.
pub fn params(request: &ApiRequest) -> Result<Value, VolcError> {
    let content_type = request.header("content-type").unwrap_or("");
    if request.method == axum::http::Method::GET {
        let pairs = request
            .query_pairs()
            .into_iter()
            .filter(|(k, _)| k != "Action" && k != "Version");
        return Ok(unflatten(pairs));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = form_urlencoded::parse(&request.body).into_owned();
        return Ok(unflatten(pairs));
    }
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value =
        serde_json::from_slice(&request.body).map_err(|e| VolcError::InvalidParameter {
            field: None,
            message: format!("the body is not valid JSON ({e})"),
        })?;
    if !value.is_object() {
        return Err(VolcError::InvalidParameter {
            field: None,
            message: "the body must be a JSON object".to_owned(),
        });
    }
    Ok(value)
}

/// Rebuilds `A.1=x&A.2=y&B.C=z` into `{"A":["x","y"],"B":{"C":"z"}}` (list indexes are 1-based).
pub fn unflatten(pairs: impl Iterator<Item = (String, String)>) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let parts: Vec<&str> = key.split('.').collect();
        insert(&mut root, &parts, value);
    }
    finish_lists(root)
}

fn insert(node: &mut Value, parts: &[&str], value: String) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Value::Object(map) = node else {
        return;
    };
    if rest.is_empty() {
        map.insert((*first).to_owned(), Value::String(value));
        return;
    }
    let child = map
        .entry((*first).to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    insert(child, rest, value);
}

/// Objects whose keys are all positive integers become lists ordered by index.
fn finish_lists(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let numeric = !map.is_empty() && map.keys().all(|k| k.parse::<u32>().is_ok());
            if numeric {
                let mut items: Vec<(u32, Value)> = map
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, finish_lists(v))))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, finish_lists(v))).collect())
            }
        }
        other => other,
    }
}

/// Decodes parameters into an action's input type; a missing required field gives
/// `MissingParameter.{Field}` and a wrongly typed one `InvalidParameter.{Field}`.
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, VolcError> {
    serde_path_to_error::deserialize(params).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let prefix = if path == "." {
            String::new()
        } else {
            format!("{path}.")
        };
        if let Some(rest) = inner.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or("");
            return VolcError::MissingParameter(format!("{prefix}{field}"));
        }
        let field = if path == "." { None } else { Some(path) };
        VolcError::InvalidParameter {
            field,
            message: inner,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unflattens_lists_and_objects() {
        let pairs = vec![
            ("UserUids.2".to_owned(), "b".to_owned()),
            ("UserUids.1".to_owned(), "a".to_owned()),
            ("Filter.Name".to_owned(), "x y".to_owned()),
            ("PageSize".to_owned(), "10".to_owned()),
        ];
        assert_eq!(
            unflatten(pairs.into_iter()),
            json!({"UserUids": ["a", "b"], "Filter": {"Name": "x y"}, "PageSize": "10"})
        );
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    #[allow(dead_code)]
    struct Input {
        name: String,
        page_size: Option<crate::flex::Int>,
    }

    #[test]
    fn names_the_failing_field() {
        let missing = decode::<Input>(json!({})).unwrap_err();
        assert_eq!(missing, VolcError::MissingParameter("Name".to_owned()));
        let wrong = decode::<Input>(json!({"Name": "a", "PageSize": "abc"})).unwrap_err();
        assert_eq!(wrong.code(), "InvalidParameter.PageSize");
        let ok = decode::<Input>(json!({"Name": "a", "PageSize": "5"})).unwrap();
        assert_eq!(ok.page_size, Some(crate::flex::Flex(5)));
    }
}
