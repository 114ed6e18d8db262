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

/// Rebuilds the flattened (0-based) parameters into an object, leaving out the protocol's own.
pub fn unflatten(pairs: Vec<(String, String)>) -> Result<Value, TcError> {
    crate::flatten::unflatten(pairs, PROTOCOL_PARAMS)
        .map_err(|e| TcError::InvalidParameter(format!("The {e}.")))
}

/// Checks the parameters' bounds (nesting, counts, lengths, control characters).
pub fn bounded(params: Value) -> Result<Value, TcError> {
    crate::bounds::check(&params).map_err(|v| {
        TcError::InvalidParameter(format!(
            "The parameter {} is invalid: {}.",
            v.path, v.message
        ))
    })?;
    Ok(params)
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
