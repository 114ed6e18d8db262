//! Who is calling: the HMAC-SHA256 (Volcengine V4) signature checked against the access key's
//! secret, over the request's own signed headers, with X-Date within 15 minutes.

use idplane_core::model::account::Caller;
use idplane_sign::volc as sign;

use super::SERVICE;
use super::error::VolcError;
use crate::request::ApiRequest;
use crate::state::ApiState;

/// How far X-Date may be from the server's clock, either way.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// The region named in the request's credential scope, for echoing back.
pub fn region_of(request: &ApiRequest) -> Option<String> {
    let header = request.header("authorization")?;
    sign::parse_authorization(header).ok().map(|a| a.region)
}

pub async fn authenticate(state: &ApiState, request: &ApiRequest) -> Result<Caller, VolcError> {
    let header = request
        .header("authorization")
        .ok_or(VolcError::MissingAuthenticationToken)?;
    let auth = sign::parse_authorization(header)
        .map_err(|e| VolcError::InvalidAuthorization(e.to_string()))?;
    if auth.service != SERVICE {
        return Err(VolcError::InvalidAuthorization(format!(
            "the credential scope names service {:?}; this is service {SERVICE:?}",
            auth.service
        )));
    }
    let x_date = request
        .header("x-date")
        .ok_or_else(|| VolcError::InvalidTimestamp("X-Date is missing".to_owned()))?;
    let signed_at = sign::parse_x_date(x_date)
        .map_err(|_| VolcError::InvalidTimestamp(format!("X-Date {x_date:?} is malformed")))?;
    let now = state.clock.now().to_datetime();
    let skew = (now - signed_at).whole_seconds();
    if skew.abs() > MAX_SKEW_SECONDS {
        return Err(VolcError::InvalidTimestamp(format!(
            "X-Date {x_date} is {} seconds {} the server's clock (at most {MAX_SKEW_SECONDS} allowed)",
            skew.abs(),
            if skew > 0 { "behind" } else { "ahead of" }
        )));
    }
    let material = state
        .keys
        .lookup(&auth.access_key_id)
        .await
        .map_err(|e| match e {
            e if e.is_not_found() => VolcError::InvalidAccessKeyId,
            other => VolcError::from(other),
        })?;
    let parts = sign::RequestParts {
        method: request.method.as_str(),
        path: "/",
        raw_query: &request.raw_query,
        headers: &request.headers,
        body: &request.body,
    };
    sign::verify(&parts, &auth, x_date, material.secret())
        .map_err(|e| VolcError::SignatureNotMatch(e.to_string()))?;
    Ok(material.into_caller())
}
