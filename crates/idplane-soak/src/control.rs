//! Control-plane requests in both dialects: random actions (from the catalogs, and not),
//! random parameters as JSON bodies, forms and queries, signed with the soak's valid key as the
//! official SDKs sign (Volcengine V4, TC3-HMAC-SHA256 and the legacy HmacSHA256 form), and now
//! and then signed wrongly.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use idplane_sign::{tc3, volc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::fuzzed;
use crate::http::Request;
use crate::rng::Rng;
use crate::state::World;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// The Volcengine actions the server offers (the rest of the catalog answers NotImplemented),
/// drawn more often than the rest, so that random parameters reach the actions' own code.
const VOLC_BUILT: &[&str] = &[
    "CreateUserPool",
    "GetUserPool",
    "ListUserPools",
    "UpdateUserPool",
    "DeleteUserPool",
    "GetUserPoolMaus",
    "ListUserPoolWellKnownEndpoints",
    "CreateUserPoolClient",
    "GetUserPoolClient",
    "ListUserPoolClients",
    "UpdateUserPoolClient",
    "DeleteUserPoolClient",
    "CreateUser",
    "CreateUsers",
    "GetUser",
    "UpdateUser",
    "UpdateUsers",
    "DeleteUsers",
    "ListUsers",
    "CreateGroup",
    "GetGroup",
    "UpdateGroup",
    "DeleteGroup",
    "ListGroups",
    "AddUsersToGroup",
    "RemoveUsersFromGroup",
    "ListUsersInGroup",
    "ListGroupsForUser",
    "CreateDepartment",
    "GetDepartment",
    "UpdateDepartment",
    "DeleteDepartment",
    "ListDepartments",
    "GetDepartmentTree",
    "AddUsersToDepartment",
    "RemoveUsersFromDepartment",
    "ListUsersInDepartment",
    "ListDepartmentsForUser",
];

/// The Tencent actions the server offers (the rest of the catalog answers UnsupportedOperation).
const TENCENT_BUILT: &[&str] = &[
    "CreateUser",
    "DescribeUserInfo",
    "ModifyUserInfo",
    "DeleteUser",
    "DeleteUsers",
    "ListUsers",
    "CreateUserGroup",
    "DescribeUserGroup",
    "DeleteUserGroup",
    "ListUserGroups",
    "AddUserToUserGroup",
    "RemoveUserFromUserGroup",
    "ListUserGroupsOfUser",
    "ListUsersInUserGroup",
    "CreateOrgNode",
    "DescribeOrgNode",
    "UpdateOrgNode",
    "DeleteOrgNode",
    "ListUsersInOrgNode",
];

/// An action name: mostly from `catalog`, sometimes not one.
fn action(rng: &mut Rng, catalog: &[&str], ids: &[String]) -> String {
    match rng.weighted(&[90, 4, 3, 3]) {
        0 => (*rng.pick(catalog)).to_owned(),
        1 => rng.pick(catalog).to_ascii_lowercase(),
        2 => format!("{}{}", rng.pick(catalog), fuzzed::word(rng)),
        _ => fuzzed::text(rng, ids),
    }
}

pub fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Parameters as flattened pairs (lists from `base`), now and then with odd names added.
fn flat(rng: &mut Rng, params: &Value, base: usize, ids: &[String]) -> Vec<(String, String)> {
    let mut pairs = fuzzed::flatten(params, base);
    if rng.chance(300) {
        pairs.extend(fuzzed::odd_pairs(rng, ids));
    }
    pairs
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// Seconds since the epoch, now.
fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// How a request is signed: right, or wrongly in one way.
#[derive(Clone, Copy, PartialEq)]
enum Signing {
    Valid,
    /// As the official SDKs sign: content-type and host only (the action not covered, so the
    /// server takes the signature for one change only).
    SdkStyle,
    WrongSecret,
    Stale,
    Unsigned,
    UnknownKey,
    Garbage,
}

fn signing(rng: &mut Rng) -> Signing {
    const ALL: [Signing; 7] = [
        Signing::Valid,
        Signing::SdkStyle,
        Signing::WrongSecret,
        Signing::Stale,
        Signing::Unsigned,
        Signing::UnknownKey,
        Signing::Garbage,
    ];
    ALL[rng.weighted(&[720, 240, 8, 8, 8, 8, 8])]
}

/// An action's parameters: random ones, or now and then every identifier field the actions
/// read set to something that exists (with random fields over them), so that actions get past
/// their required fields and reach the store.
fn params(rng: &mut Rng, world: &World) -> Value {
    if !rng.chance(250) {
        return fuzzed::params(rng, &world.state.ids);
    }
    let s = &world.state;
    let mut pick = |list: &[String]| list.get(rng.below(list.len())).cloned().unwrap_or_default();
    let clients: Vec<String> = s.clients.iter().map(|c| c.id.clone()).collect();
    let mut plausible = json!({
        "UserUid": pick(&s.users), "UserUids": [pick(&s.users), pick(&s.users)],
        "GroupUid": pick(&s.groups), "GroupUids": [pick(&s.groups)],
        "DepartmentUid": pick(&s.departments), "ParentDepartmentUid": pick(&s.departments),
        "RootDepartmentUid": pick(&s.departments), "ClientUid": pick(&clients),
        "UserId": pick(&s.tc_users), "UserIds": [pick(&s.tc_users)],
        "UserGroupId": pick(&s.tc_groups), "OrgNodeId": pick(&s.tc_org_nodes),
        "PageNumber": 1, "PageSize": 20, "Offset": 0, "Limit": 20, "ClientType": "WEB_APPLICATION",
    });
    let word = fuzzed::word(rng);
    if let Value::Object(map) = &mut plausible {
        for name in ["Name", "PreferredUsername", "UserName", "DisplayName"] {
            map.insert(name.to_owned(), Value::from(format!("{name}-{word}")));
        }
        for _ in 0..rng.below(3) {
            let name = *rng.pick(fuzzed::FIELDS);
            let value = fuzzed::field(rng, &s.ids, name, 1);
            map.insert(name.to_owned(), value);
        }
    }
    plausible
}

/// `params` with `UserPoolUid` set, most times, to a pool that exists. Deletions never name
/// the first pool, so it lasts the whole run.
fn in_pool(rng: &mut Rng, world: &World, action: &str, mut params: Value) -> Value {
    let pools = &world.state.pools;
    let usable = if action.starts_with("Delete") {
        pools.get(1..).unwrap_or_default()
    } else {
        pools
    };
    if let Value::Object(map) = &mut params
        && !usable.is_empty()
        && rng.chance(700)
    {
        map.insert(
            "UserPoolUid".to_owned(),
            Value::from(rng.pick(usable).clone()),
        );
    }
    params
}

/// A Volcengine-dialect request.
pub fn volc_request(rng: &mut Rng, world: &World) -> Request {
    let ids = &world.state.ids;
    let params = params(rng, world);
    let mut query = Vec::new();
    let catalog = if rng.chance(600) {
        VOLC_BUILT
    } else {
        idplane_api::volc::catalog::ACTIONS
    };
    let action = action(rng, catalog, ids);
    let params = in_pool(rng, world, &action, params);
    if !rng.chance(15) {
        query.push(("Action".to_owned(), action));
    }
    if !rng.chance(15) {
        let version = if rng.chance(20) {
            fuzzed::text(rng, ids)
        } else {
            "2025-10-30".to_owned()
        };
        query.push(("Version".to_owned(), version));
    }
    let (method, content_type, body) = match rng.weighted(&[55, 15, 20, 3, 7]) {
        0 => ("POST", Some(JSON), fuzzed::json_body(rng, &params)),
        1 => (
            "POST",
            Some(FORM),
            encode(&flat(rng, &params, 1, ids)).into_bytes(),
        ),
        2 => {
            query.extend(flat(rng, &params, 1, ids));
            ("GET", None, Vec::new())
        }
        3 => (
            *rng.pick(&["PUT", "DELETE", "PATCH", "OPTIONS"]),
            Some(JSON),
            fuzzed::json_body(rng, &params),
        ),
        _ => {
            let odd = *rng.pick(&[
                "text/plain",
                "application/json; charset=gbk",
                "multipart/form-data",
                "",
            ]);
            ("POST", Some(odd), fuzzed::json_body(rng, &params))
        }
    };
    let mut request = Request::new(method, format!("/?{}", encode(&query)), &world.host, "volc");
    if let Some(ct) = content_type {
        request.header("Content-Type", ct);
    }
    request.body = body;
    if rng.one_in(20_000) {
        request.body = vec![b' '; 10 * 1024 * 1024 + 1];
    }
    volc_sign(rng, &mut request, world);
    request
}

/// A Volcengine-dialect POST of `body` to `action`, signed right.
pub fn volc_call(world: &World, action: &str, body: &Value) -> Request {
    let query = encode(&[
        ("Action".to_owned(), action.to_owned()),
        ("Version".to_owned(), "2025-10-30".to_owned()),
    ]);
    let mut request = Request::new("POST", format!("/?{query}"), &world.host, "setup");
    request.header("Content-Type", JSON);
    request.body = body.to_string().into_bytes();
    volc_sign_as(&mut request, world, Signing::Valid, "cn-beijing");
    request
}

/// A TC3-signed Tencent-dialect POST of `body` to `action`.
pub fn tc3_call(world: &World, action: &str, body: &Value) -> Request {
    let body = body.to_string().into_bytes();
    let mut request = tc3_unsigned(world, "POST", action, String::new(), body, "2021-04-20");
    tc3_sign_as(&mut request, world, Signing::Valid, now());
    request
}

fn volc_sign(rng: &mut Rng, request: &mut Request, world: &World) {
    let how = signing(rng);
    if how == Signing::Garbage {
        let text = fuzzed::text(rng, &world.state.ids);
        request.header(
            "Authorization",
            fuzzed::header_safe(&format!("HMAC-SHA256 {text}")),
        );
    }
    let region = *rng.pick(&["cn-beijing", "cn-shanghai", "ap-southeast-1", "x"]);
    volc_sign_as(request, world, how, region);
}

fn volc_sign_as(request: &mut Request, world: &World, how: Signing, region: &str) {
    let at = if how == Signing::Stale {
        now() - 3600
    } else {
        now()
    };
    let x_date = OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .ok()
        })
        .unwrap_or_default();
    request.header("X-Date", x_date.clone());
    request.header(
        "X-Content-Sha256",
        hex::encode(Sha256::digest(&request.body)),
    );
    if matches!(how, Signing::Unsigned | Signing::Garbage) {
        return;
    }
    let key_id = if how == Signing::UnknownKey {
        "AKLTUNKNOWN0000"
    } else {
        world.key_id.as_str()
    };
    let secret = if how == Signing::WrongSecret {
        "wrong"
    } else {
        world.secret.as_str()
    };
    let mut signed: Vec<String> = vec!["host".into(), "x-content-sha256".into(), "x-date".into()];
    if request.headers.iter().any(|(n, _)| n == "Content-Type") {
        signed.insert(0, "content-type".into());
    }
    let mut auth = volc::Authorization {
        access_key_id: key_id.to_owned(),
        date: x_date.get(..8).unwrap_or_default().to_owned(),
        region: region.to_owned(),
        service: "id".to_owned(),
        signed_headers: signed,
        signature: String::new(),
    };
    let parts = volc::RequestParts {
        method: &request.method,
        path: "/",
        raw_query: request.query(),
        headers: &request.headers,
        body: &request.body,
    };
    auth.signature = volc::sign(&parts, &auth, &x_date, secret.as_bytes()).unwrap_or_default();
    let header = format!(
        "HMAC-SHA256 Credential={key_id}/{}/{region}/id/request, SignedHeaders={}, Signature={}",
        auth.date,
        auth.signed_headers.join(";"),
        auth.signature
    );
    request.header("Authorization", header);
}

/// A Tencent-dialect request: TC3 with a JSON body or a query, or a legacy signed form.
pub fn tencent_request(rng: &mut Rng, world: &World) -> Request {
    let ids = &world.state.ids;
    let catalog = if rng.chance(600) {
        TENCENT_BUILT
    } else {
        idplane_api::tencent::catalog::ACTIONS
    };
    let action = action(rng, catalog, ids);
    let params = params(rng, world);
    match rng.weighted(&[60, 15, 15, 10]) {
        0 => {
            let body = fuzzed::json_body(rng, &params);
            tc3_request(rng, world, "POST", &action, String::new(), body)
        }
        1 => {
            let query = encode(&flat(rng, &params, 0, ids));
            tc3_request(rng, world, "GET", &action, query, Vec::new())
        }
        2 => legacy_request(rng, world, "POST", &action, &params),
        _ => legacy_request(rng, world, "GET", &action, &params),
    }
}

fn tc3_request(
    rng: &mut Rng,
    world: &World,
    method: &str,
    action: &str,
    query: String,
    body: Vec<u8>,
) -> Request {
    let version = if rng.chance(20) {
        "2020-01-01"
    } else {
        "2021-04-20"
    };
    let mut request = tc3_unsigned(world, method, action, query, body, version);
    let how = signing(rng);
    if how == Signing::Garbage {
        let text = fuzzed::text(rng, &world.state.ids);
        request.header(
            "Authorization",
            fuzzed::header_safe(&format!("TC3-HMAC-SHA256 {text}")),
        );
    }
    let timestamp = if how == Signing::Stale {
        now() - 3600
    } else {
        now()
    };
    tc3_sign_as(&mut request, world, how, timestamp);
    request
}

fn tc3_unsigned(
    world: &World,
    method: &str,
    action: &str,
    query: String,
    body: Vec<u8>,
    version: &str,
) -> Request {
    let target = if query.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{query}")
    };
    let mut request = Request::new(method, target, &world.host, "tencent");
    let content_type = if method == "GET" { FORM } else { JSON };
    request.header("Content-Type", content_type);
    request.header("X-TC-Action", fuzzed::header_safe(action));
    request.header("X-TC-Version", version);
    request.header("X-TC-Region", "ap-guangzhou");
    request.body = body;
    request
}

fn tc3_sign_as(request: &mut Request, world: &World, how: Signing, timestamp: i64) {
    request.header("X-TC-Timestamp", timestamp.to_string());
    if matches!(how, Signing::Unsigned | Signing::Garbage) {
        return;
    }
    let key_id = if how == Signing::UnknownKey {
        "AKIDUNKNOWN0000"
    } else {
        world.key_id.as_str()
    };
    let secret = if how == Signing::WrongSecret {
        "wrong"
    } else {
        world.secret.as_str()
    };
    let mut signed = vec!["content-type".to_owned(), "host".to_owned()];
    if how != Signing::SdkStyle {
        signed.push("x-tc-action".to_owned());
    }
    let mut auth = tc3::Authorization {
        secret_id: key_id.to_owned(),
        date: tc3::date_of(timestamp).unwrap_or_default(),
        service: "eiam".to_owned(),
        signed_headers: signed,
        signature: String::new(),
    };
    let parts = tc3::RequestParts {
        method: &request.method,
        path: "/",
        raw_query: request.query(),
        headers: &request.headers,
        body: &request.body,
    };
    auth.signature = tc3::sign(&parts, &auth, timestamp, secret.as_bytes()).unwrap_or_default();
    let header = format!(
        "TC3-HMAC-SHA256 Credential={key_id}/{}/eiam/tc3_request, SignedHeaders={}, Signature={}",
        auth.date,
        auth.signed_headers.join(";"),
        auth.signature
    );
    request.header("Authorization", header);
}

/// A request signed the legacy way: every parameter, the signature among them, in the query
/// (GET) or a form body (POST).
fn legacy_request(
    rng: &mut Rng,
    world: &World,
    method: &str,
    action: &str,
    params: &Value,
) -> Request {
    let ids = &world.state.ids;
    let mut pairs = flat(rng, params, 0, ids);
    let how = signing(rng);
    let timestamp = if how == Signing::Stale {
        now() - 3600
    } else {
        now()
    };
    let key_id = if how == Signing::UnknownKey {
        "AKIDUNKNOWN0000"
    } else {
        world.key_id.as_str()
    };
    let method_name = if rng.chance(30) {
        "HmacSHA1"
    } else {
        "HmacSHA256"
    };
    for (k, v) in [
        ("Action", action.to_owned()),
        ("Version", "2021-04-20".to_owned()),
        ("Region", "ap-guangzhou".to_owned()),
        ("Timestamp", timestamp.to_string()),
        ("Nonce", rng.range(1, 1 << 30).to_string()),
        ("SecretId", key_id.to_owned()),
        ("SignatureMethod", method_name.to_owned()),
    ] {
        pairs.push((k.to_owned(), v));
    }
    let secret = if how == Signing::WrongSecret {
        "wrong"
    } else {
        world.secret.as_str()
    };
    let to_sign = tc3::legacy_string_to_sign(method, &world.host, "/", &pairs);
    let signature = match how {
        Signing::Unsigned => None,
        Signing::Garbage => Some(fuzzed::text(rng, ids)),
        _ => Some(STANDARD.encode(hmac_sha256(secret.as_bytes(), to_sign.as_bytes()))),
    };
    pairs.extend(signature.map(|s| ("Signature".to_owned(), s)));
    let encoded = encode(&pairs);
    if method == "GET" {
        Request::new("GET", format!("/?{encoded}"), &world.host, "tencent-legacy")
    } else {
        let mut request = Request::new("POST", "/".to_owned(), &world.host, "tencent-legacy");
        request.header("Content-Type", FORM);
        request.body = encoded.into_bytes();
        request
    }
}
