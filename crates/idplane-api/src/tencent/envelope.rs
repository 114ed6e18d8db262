//! The response envelope: `{"Response": {…, "RequestId"}}`, errors as `Response.Error`, always
//! HTTP 200 with a content type of exactly `application/json`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::TcError;
use crate::router::{json_response, json_text_response};

/// `{"Response":{…,"RequestId":"…"}}` around `result`, the JSON text of an object (its fields
/// are copied as they are, not parsed again).
pub fn success(request_id: &str, result: &str) -> Response {
    let id = Value::from(request_id).to_string();
    let fields = result
        .trim()
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .map(str::trim)
        .unwrap_or_default();
    let body = if fields.is_empty() {
        format!(r#"{{"Response":{{"RequestId":{id}}}}}"#)
    } else {
        format!(r#"{{"Response":{{{fields},"RequestId":{id}}}}}"#)
    };
    json_text_response(StatusCode::OK, body)
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn success_wraps_the_result_fields() {
        let got = body(success(
            "r\"1",
            r#"{"TotalNum":2,"UserInfo":[{"UserId":"u"}]}"#,
        ))
        .await;
        assert_eq!(
            got,
            json!({"Response": {"TotalNum": 2, "UserInfo": [{"UserId": "u"}], "RequestId": "r\"1"}})
        );
        let got = body(success("r", " { } ")).await;
        assert_eq!(got, json!({"Response": {"RequestId": "r"}}));
    }
}
