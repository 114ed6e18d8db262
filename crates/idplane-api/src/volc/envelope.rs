//! The response envelope: `ResponseMetadata` always, then `Result` or `ResponseMetadata.Error`.

use axum::response::Response;
use serde_json::{Value, json};

use super::error::VolcError;
use super::{SERVICE, VERSION};
use crate::router::json_response;

pub struct Meta {
    pub request_id: String,
    pub action: String,
    pub region: String,
}

fn metadata(meta: &Meta) -> Value {
    json!({
        "RequestId": meta.request_id,
        "Action": meta.action,
        "Version": VERSION,
        "Service": SERVICE,
        "Region": meta.region,
    })
}

pub fn success(meta: &Meta, result: Value) -> Response {
    let body = json!({ "ResponseMetadata": metadata(meta), "Result": result });
    json_response(axum::http::StatusCode::OK, &body)
}

pub fn failure(meta: &Meta, error: &VolcError) -> Response {
    let mut md = metadata(meta);
    let mut err = json!({ "Code": error.code(), "Message": error.message() });
    if let (Some(n), Some(obj)) = (error.code_n(), err.as_object_mut()) {
        obj.insert("CodeN".to_owned(), json!(n));
    }
    if let Some(obj) = md.as_object_mut() {
        obj.insert("Error".to_owned(), err);
    }
    json_response(error.status(), &json!({ "ResponseMetadata": md }))
}
