//! Turning a request's parameters into typed action inputs, with errors that name the field.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::VolcError;
use crate::flatten::unflatten;
use crate::request::ApiRequest;

/// The action's parameters as one JSON object: the JSON body of a POST, or the flattened
/// query (GET) or form (POST form-encoded) fields, rebuilt into nested objects and lists.
pub fn params(request: &ApiRequest) -> Result<Value, VolcError> {
    let content_type = request.header("content-type").unwrap_or("");
    let value = parse(request, content_type)?;
    crate::bounds::check(&value)
        .and_then(|()| crate::bounds::check_filter(&value))
        .map_err(|v| VolcError::InvalidParameter {
            field: Some(v.path),
            message: v.message,
        })?;
    Ok(value)
}

fn parse(request: &ApiRequest, content_type: &str) -> Result<Value, VolcError> {
    let flat = |e: crate::flatten::FlattenError| VolcError::InvalidParameter {
        field: None,
        message: e.to_string(),
    };
    if request.method == axum::http::Method::GET {
        return unflatten(request.query_pairs(), &["Action", "Version"]).map_err(flat);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs = form_urlencoded::parse(&request.body).into_owned();
        return unflatten(pairs, &[]).map_err(flat);
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
