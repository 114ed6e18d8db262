//! The response envelope: `{"Response": {…, "RequestId"}}`, errors as `Response.Error`, always
//! HTTP 200 with a content type of exactly `application/json`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::error::TcError;
use crate::router::json_response;

pub fn success(request_id: &str, result: Value) -> Response {
    let mut body = match result {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    body.insert("RequestId".to_owned(), json!(request_id));
    json_response(StatusCode::OK, &json!({ "Response": body }))
}

pub fn failure(request_id: &str, error: &TcError) -> Response {
    let body = json!({
        "Response": {
            "Error": { "Code": error.code(), "Message": error.message() },
            "RequestId": request_id,
        }
    });
    json_response(StatusCode::OK, &body)
}
