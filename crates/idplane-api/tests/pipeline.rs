//! Each dialect's request pipeline and error table, in process: signed requests sent through
//! the control-plane router with `tower::ServiceExt::oneshot`, on a real SQLite store. A wrong
//! code mapping fails here without starting a server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use idplane_api::rate_limit::RateLimiter;
use idplane_api::{ApiState, router};
use idplane_core::changes::Changes;
use idplane_core::clock::{Clock, SystemClock};
use idplane_core::crypto::MasterKey;
use idplane_core::passwords::PasswordWorkers;
use idplane_core::service::{AccessKeyService, ClientService, Directory, WorkloadService};
use idplane_core::store::Store;
use idplane_core::throttle::{Throttle, ThrottlePolicy};
use idplane_sign::{tc3, volc};
use idplane_store::SqlStore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const HOST: &str = "idplane.test";

struct Api {
    app: Router,
    key_id: String,
    secret: String,
    _dir: tempfile::TempDir,
}

async fn api() -> Api {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("idplane.db").display());
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url).await.unwrap());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let master = MasterKey::generate();
    let changes = Changes::new();
    let keys = AccessKeyService::new(store.clone(), master.clone(), clock.clone());
    let created = keys.create("acme", None, "pipeline tests").await.unwrap();
    let state = ApiState {
        directory: Directory::new(
            store.clone(),
            clock.clone(),
            PasswordWorkers::per_core().unwrap(),
            changes.clone(),
        ),
        keys,
        clients: ClientService::new(store.clone(), master, clock.clone(), changes),
        workloads: WorkloadService::new(store, clock.clone()),
        clock,
        public_url: format!("http://{HOST}"),
        limiter: RateLimiter::new(10_000, 10_000),
        throttle: Arc::new(Throttle::new(ThrottlePolicy::default())),
    };
    Api {
        app: router(Arc::new(state)),
        key_id: created.key.id.as_str().to_owned(),
        secret: created.secret,
        _dir: dir,
    }
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Api {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A Volcengine request, signed with the test key unless `signed` is false.
    fn volc_request(&self, action: &str, body: &Value, signed: bool) -> Request<Body> {
        let body = body.to_string().into_bytes();
        let query = format!("Action={action}&Version=2025-10-30");
        let x_date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap();
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Host".to_owned(), HOST.to_owned()),
            (
                "X-Content-Sha256".to_owned(),
                hex::encode(Sha256::digest(&body)),
            ),
            ("X-Date".to_owned(), x_date.clone()),
        ];
        let mut builder = Request::post(format!("/?{query}"));
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        if signed {
            let parts = volc::RequestParts {
                method: "POST",
                path: "/",
                raw_query: &query,
                headers: &headers,
                body: &body,
            };
            let authorization = volc::client_authorization(
                &parts,
                &self.key_id,
                self.secret.as_bytes(),
                &x_date,
                "cn-beijing",
                "id",
            )
            .unwrap();
            builder = builder.header("Authorization", authorization);
        }
        builder.body(Body::from(body)).unwrap()
    }

    async fn volc(&self, action: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.volc_request(action, &body, true)).await
    }

    /// The code of a Volcengine failure, with its HTTP status.
    async fn volc_error(&self, action: &str, body: Value) -> (u16, String) {
        let (status, answer) = self.volc(action, body).await;
        let code = answer["ResponseMetadata"]["Error"]["Code"]
            .as_str()
            .unwrap_or_else(|| panic!("{action} did not fail: {answer}"))
            .to_owned();
        (status.as_u16(), code)
    }

    /// An EIAM request signed with TC3 (every field of the body is in the signature).
    async fn eiam(&self, action: &str, body: Value) -> Value {
        let body = body.to_string().into_bytes();
        let timestamp = now();
        let headers = vec![
            (
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
            ("Host".to_owned(), HOST.to_owned()),
            ("X-TC-Action".to_owned(), action.to_owned()),
        ];
        let parts = tc3::RequestParts {
            method: "POST",
            path: "/",
            raw_query: "",
            headers: &headers,
            body: &body,
        };
        let authorization = tc3::client_authorization(
            &parts,
            &self.key_id,
            self.secret.as_bytes(),
            timestamp,
            "eiam",
        )
        .unwrap();
        let mut builder = Request::post("/");
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        let request = builder
            .header("X-TC-Version", "2021-04-20")
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("Authorization", authorization)
            .body(Body::from(body))
            .unwrap();
        let (status, answer) = self.send(request).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "API 3.0 answers every error with 200"
        );
        answer["Response"].clone()
    }

    /// The code of an EIAM failure, and its message.
    async fn eiam_error(&self, action: &str, body: Value) -> (String, String) {
        let answer = self.eiam(action, body).await;
        let error = &answer["Error"];
        assert!(error.is_object(), "{action} did not fail: {answer}");
        (
            error["Code"].as_str().unwrap().to_owned(),
            error["Message"].as_str().unwrap().to_owned(),
        )
    }
}

/// The Volcengine pipeline: authentication, version and action checks come before any action
/// runs, each with its code and status; domain reasons take the error table's code.
#[tokio::test]
async fn volcengine_pipeline_and_error_table() {
    let api = api().await;
    let unsigned = api.volc_request("ListUserPools", &json!({}), false);
    let (status, answer) = api.send(unsigned).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(
        answer["ResponseMetadata"]["Error"]["Code"],
        "MissingAuthenticationToken"
    );
    let mut forged = api.volc_request("ListUserPools", &json!({}), true);
    forged
        .headers_mut()
        .insert("X-Date", "20000101T000000Z".parse().unwrap());
    let (status, _) = api.send(forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a stale X-Date is refused");
    assert_eq!(
        api.volc_error("NoSuchAction", json!({})).await,
        (400, "InvalidAction".to_owned())
    );
    assert_eq!(
        api.volc_error("CreateNamespace", json!({"NamespaceName": "n"}))
            .await,
        (501, "NotImplemented".to_owned())
    );

    let (status, pool) = api.volc("CreateUserPool", json!({"Name": "staff"})).await;
    assert_eq!(status, StatusCode::OK, "{pool}");
    let pool = pool["Result"]["Uid"].as_str().unwrap().to_owned();
    assert_eq!(
        api.volc_error("CreateUserPool", json!({"Name": "staff"}))
            .await,
        (409, "Duplicated".to_owned()),
        "a pool name is unique in its account"
    );
    let user = json!({"UserPoolUid": pool, "PreferredUsername": "alice"});
    assert_eq!(api.volc("CreateUser", user.clone()).await.0, StatusCode::OK);
    assert_eq!(
        api.volc_error("CreateUser", user).await,
        (409, "Duplicated".to_owned())
    );
    assert_eq!(
        api.volc_error(
            "CreateUser",
            json!({"UserPoolUid": pool, "PreferredUsername": "bob", "PhoneNumber": "12"})
        )
        .await,
        (400, "InvalidParameter.PhoneNumber".to_owned()),
        "fields are named as the Volcengine catalog names them"
    );
    assert_eq!(
        api.volc_error("GetUser", json!({"UserPoolUid": pool, "UserUid": "nobody"}))
            .await,
        (404, "NotFound".to_owned())
    );
    assert_eq!(
        api.volc_error("GetUserPool", json!({})).await,
        (400, "MissingParameter.UserPoolUid".to_owned())
    );

    let (_, parent) = api
        .volc(
            "CreateDepartment",
            json!({"UserPoolUid": pool, "Name": "eng", "ParentDepartmentUid": "root"}),
        )
        .await;
    let parent = parent["Result"]["Uid"].as_str().unwrap().to_owned();
    let child = json!({"UserPoolUid": pool, "Name": "web", "ParentDepartmentUid": parent});
    assert_eq!(api.volc("CreateDepartment", child).await.0, StatusCode::OK);
    assert_eq!(
        api.volc_error(
            "DeleteDepartment",
            json!({"UserPoolUid": pool, "DepartmentUid": parent})
        )
        .await,
        (409, "Conflict".to_owned()),
        "a department with children is kept unless forced"
    );
    assert_eq!(
        api.volc_error(
            "CreateDepartment",
            json!({"UserPoolUid": pool, "Name": "x", "ParentDepartmentUid": "gone"})
        )
        .await,
        (404, "NotFound".to_owned())
    );
}

/// The EIAM pipeline: every answer is HTTP 200 with `Response.Error`; directory reasons take
/// EIAM's `FailedOperation.*` codes, with each action's own "not found" code where EIAM gives
/// one, and messages name EIAM's fields.
#[tokio::test]
async fn eiam_pipeline_and_error_table() {
    let api = api().await;
    let user = json!({"UserName": "alice", "Password": "correct horse battery"});
    let created = api.eiam("CreateUser", user.clone()).await;
    assert!(created["UserId"].is_string(), "{created}");
    assert_eq!(
        api.eiam_error("CreateUser", user).await.0,
        "FailedOperation.UserNameAlreadyExists"
    );
    let (code, message) = api
        .eiam_error(
            "CreateUser",
            json!({"UserName": "bob", "Password": "correct horse battery", "Phone": "12"}),
        )
        .await;
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        message.contains("Phone") && !message.contains("PhoneNumber"),
        "{message}"
    );
    assert_eq!(
        api.eiam_error(
            "CreateUser",
            json!({"UserName": "carl", "Password": "correct horse battery", "OrgNodeId": "gone"})
        )
        .await
        .0,
        "FailedOperation.MainOrgNodeNotExist"
    );
    assert_eq!(
        api.eiam_error("DescribeOrgNode", json!({"OrgNodeId": "gone"}))
            .await
            .0,
        "FailedOperation.OrgNodeNotExist"
    );
    assert_eq!(
        api.eiam_error("DeleteOrgNode", json!({"OrgNodeId": "gone"}))
            .await
            .0,
        "FailedOperation.OrgNodeIdNotExist"
    );
    assert_eq!(
        api.eiam_error(
            "CreateOrgNode",
            json!({"DisplayName": "x", "ParentOrgNodeId": "gone"})
        )
        .await
        .0,
        "FailedOperation.ParentOrgNodeIdNotFound"
    );
    assert_eq!(
        api.eiam_error("ListUsersInUserGroup", json!({"UserGroupId": "gone"}))
            .await
            .0,
        "FailedOperation.GroupIdNotFound"
    );
    assert_eq!(
        api.eiam_error("DescribeUserGroup", json!({"UserGroupId": "gone"}))
            .await
            .0,
        "FailedOperation.UserGroupNotExist"
    );
    let root = api.eiam("DescribeOrgNode", json!({})).await;
    let root = root["OrgNodeId"].as_str().unwrap().to_owned();
    assert_eq!(
        api.eiam_error("DeleteOrgNode", json!({"OrgNodeId": root}))
            .await
            .0,
        "FailedOperation.OrgNodeRootCanNotBeDeleted"
    );
    let eng = api
        .eiam("CreateOrgNode", json!({"DisplayName": "eng"}))
        .await;
    let eng = eng["OrgNodeId"].as_str().unwrap().to_owned();
    let web = api
        .eiam(
            "CreateOrgNode",
            json!({"DisplayName": "web", "ParentOrgNodeId": eng}),
        )
        .await;
    let web = web["OrgNodeId"].as_str().unwrap().to_owned();
    api.eiam(
        "CreateUser",
        json!({"UserName": "dora", "Password": "correct horse battery", "OrgNodeId": web}),
    )
    .await;
    assert_eq!(
        api.eiam_error("DeleteOrgNode", json!({"OrgNodeId": eng}))
            .await
            .0,
        "FailedOperation.ChildOrgNodeWithUsersCanNotBeDeleted"
    );
    assert_eq!(
        api.eiam_error("DeleteOrgNode", json!({"OrgNodeId": web}))
            .await
            .0,
        "FailedOperation.OrgNodeWithUsersCanNotBeDeleted"
    );
    assert_eq!(
        api.eiam_error(
            "CreateOrgNode",
            json!({"DisplayName": "web", "ParentOrgNodeId": eng})
        )
        .await
        .0,
        "FailedOperation.ChildOrgNodeNameAlreadyExists"
    );
    assert_eq!(
        api.eiam_error("DescribeApplication", json!({})).await.0,
        "UnsupportedOperation"
    );
}
