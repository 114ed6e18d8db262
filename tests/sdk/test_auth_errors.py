"""Framing, signatures, authorization and the error table of the Volcengine dialect, through real requests."""

import datetime
import json
import tempfile
import uuid

import pytest
import requests
import volcenginesdkcore
import volcenginesdkid as v

from conftest import (PG_URL, ROOT_AK, ROOT_SK, backend_env, drop_schema, expect_error, raw_call,
                      raw_error, start_server)


def test_success_envelope_and_request_id(server):
    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 10}))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    meta = body["ResponseMetadata"]
    assert meta["Action"] == "ListUserPools"
    assert meta["Version"] == "2025-10-30"
    assert meta["Service"] == "id"
    assert meta["Region"] == "cn-beijing"
    assert meta["RequestId"] == r.headers["x-request-id"]
    assert "Error" not in meta
    assert "Data" in body["Result"]


def test_region_is_echoed(server):
    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 1}), region="ap-southeast-1")
    assert r.json()["ResponseMetadata"]["Region"] == "ap-southeast-1"


def test_missing_action(server):
    r = raw_call(server, None)
    assert raw_error(r) == (400, "MissingAction")


def test_invalid_action(server):
    r = raw_call(server, "StealAllTheThings")
    assert raw_error(r) == (400, "InvalidAction")
    assert r.json()["ResponseMetadata"]["Error"]["CodeN"] == 100008


def test_wrong_version(server):
    r = raw_call(server, "ListUserPools", version="2020-01-01")
    assert raw_error(r) == (400, "InvalidVersion")


def test_not_implemented_catalog_action(api):
    err = expect_error(501, "NotImplemented", api.create_namespace,
                       v.CreateNamespaceRequest(namespace_name="agents"))
    assert "CreateNamespace" in err["Message"]


def test_method_not_allowed(server):
    r = raw_call(server, "ListUserPools", method="PUT")
    assert raw_error(r) == (405, "MethodNotAllowed")


def test_missing_authorization(server):
    r = requests.post(f"{server.url}/?Action=ListUserPools&Version=2025-10-30", data="{}", timeout=10)
    assert raw_error(r) == (401, "MissingAuthenticationToken")


def test_malformed_authorization(server):
    def tamper(req):
        req["headers"]["Authorization"] = "HMAC-SHA256 garbage"

    assert raw_error(raw_call(server, "ListUserPools", tamper=tamper)) == (400, "InvalidAuthorization")


def test_wrong_secret(server):
    api = server.api(sk="not-the-secret-at-all-000000")
    expect_error(401, "SignatureNotMatch", api.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=10))


def test_unknown_access_key(server):
    api = server.api(ak="AKLTUNKNOWNKEY000000000000", sk=ROOT_SK)
    expect_error(403, "InvalidAccessKeyId", api.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=10))


def test_tampered_body_hash(server):
    def tamper(req):
        req["body"] = json.dumps({"PageNumber": 1, "PageSize": 99}).encode()

    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 10}), tamper=tamper)
    assert raw_error(r) == (401, "SignatureNotMatch")


def test_tampered_body_with_matching_hash(server):
    import hashlib

    def tamper(req):
        req["body"] = json.dumps({"PageNumber": 1, "PageSize": 99}).encode()
        req["headers"]["X-Content-Sha256"] = hashlib.sha256(req["body"]).hexdigest()

    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 10}), tamper=tamper)
    assert raw_error(r) == (401, "SignatureNotMatch")


def test_tampered_query(server):
    def tamper(req):
        req["query"]["Action"] = "DeleteUserPool"

    r = raw_call(server, "GetUserPool", json.dumps({"UserPoolUid": "x"}), tamper=tamper)
    assert raw_error(r) == (401, "SignatureNotMatch")


class _FrozenDatetime(datetime.datetime):
    offset = datetime.timedelta(0)

    @classmethod
    def utcnow(cls):
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + cls.offset


@pytest.mark.parametrize("minutes", [-16, 16, -60 * 24])
def test_stale_or_future_x_date(server, monkeypatch, minutes):
    import volcenginesdkcore.signv4 as signv4

    frozen = type("Shifted", (_FrozenDatetime,), {"offset": datetime.timedelta(minutes=minutes)})
    monkeypatch.setattr(signv4.datetime, "datetime", frozen)
    expect_error(400, "InvalidTimestamp", server.api().list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=10))


def test_x_date_within_window_is_accepted(server, monkeypatch):
    import volcenginesdkcore.signv4 as signv4

    frozen = type("Shifted", (_FrozenDatetime,), {"offset": datetime.timedelta(minutes=-14)})
    monkeypatch.setattr(signv4.datetime, "datetime", frozen)
    server.api().list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))


def test_missing_parameter(server):
    r = raw_call(server, "CreateUserPool", json.dumps({"Description": "no name"}))
    assert raw_error(r) == (400, "MissingParameter.Name")
    r = raw_call(server, "ListUserPools", json.dumps({"PageSize": 10}))
    assert raw_error(r) == (400, "MissingParameter.PageNumber")


@pytest.mark.parametrize("size", [0, 101, -1])
def test_invalid_page_size(api, size):
    expect_error(400, "InvalidParameter.PageSize", api.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=size))


def test_wrong_json_type(server):
    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": "ten"}))
    assert raw_error(r) == (400, "InvalidParameter.PageSize")


def test_malformed_json(server):
    r = raw_call(server, "ListUserPools", "{not json")
    assert raw_error(r) == (400, "InvalidParameter")
    r = raw_call(server, "ListUserPools", "[1, 2]")
    assert raw_error(r) == (400, "InvalidParameter")


def test_get_with_query_parameters(server, api):
    name = f"get-{uuid.uuid4().hex[:8]}"
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=name))
    r = raw_call(server, "GetUserPool", "", method="GET", query={"UserPoolUid": pool.uid})
    assert r.status_code == 200, r.text
    assert r.json()["Result"]["Name"] == name
    r = raw_call(server, "ListUserPools", "", method="GET",
                 query={"PageNumber": "1", "PageSize": "100", "Filter.Name": name})
    assert r.status_code == 200, r.text
    assert [p["Uid"] for p in r.json()["Result"]["Data"]] == [pool.uid]


def test_not_found_and_duplicated(api):
    expect_error(404, "NotFound", api.get_user_pool, v.GetUserPoolRequest(user_pool_uid="up-does-not-exist"))
    name = f"dup-{uuid.uuid4().hex[:8]}"
    api.create_user_pool(v.CreateUserPoolRequest(name=name))
    expect_error(409, "Duplicated", api.create_user_pool, v.CreateUserPoolRequest(name=name))


def test_access_denied_for_pool_bound_key(server, api):
    a = api.create_user_pool(v.CreateUserPoolRequest(name=f"a-{uuid.uuid4().hex[:8]}"))
    b = api.create_user_pool(v.CreateUserPoolRequest(name=f"b-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=a.uid)
    bound = server.api(ak, sk)
    assert bound.get_user_pool(v.GetUserPoolRequest(user_pool_uid=a.uid)).uid == a.uid
    expect_error(403, "AccessDenied", bound.get_user_pool, v.GetUserPoolRequest(user_pool_uid=b.uid))
    expect_error(403, "AccessDenied", bound.create_user_pool, v.CreateUserPoolRequest(name="nope"))
    listed = bound.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100))
    assert [p.uid for p in listed.data] == [a.uid]


def test_deleted_key_stops_working(server):
    ak, sk = server.new_key()
    keyed = server.api(ak, sk)
    keyed.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=1))
    assert server.cli("access-key", "delete", ak) == {"Deleted": ak}
    expect_error(403, "InvalidAccessKeyId", keyed.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=1))


@pytest.mark.parametrize("env", [{"IDPLANE_RATE_LIMIT_PER_SECOND": "2"},
                                 {"IDPLANE_RATE_LIMIT_PER_SECOND": "2", "IDPLANE_RATE_LIMIT_BURST": "2"}],
                         ids=["default-burst", "burst-2"])
def test_throttling(env):
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        try:
            api = s.api()
            statuses, bodies = [], []
            for _ in range(10):
                try:
                    api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=1))
                    statuses.append(200)
                except volcenginesdkcore.rest.ApiException as e:
                    body = json.loads(e.body)
                    bodies.append(body)
                    statuses.append((e.status, body["ResponseMetadata"]["Error"]["Code"]))
            assert (429, "Throttling") in statuses, statuses
            assert statuses[0] == 200
            assert set(statuses) <= {200, (429, "Throttling")}, statuses
            assert all("Result" not in b and b["ResponseMetadata"]["Action"] == "ListUserPools" for b in bodies)
            # Another key has its own budget.
            ak, sk = s.new_key()
            s.api(ak, sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=1))
        finally:
            s.kill()


def test_internal_error_leaks_nothing():
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    env, schema = backend_env("postgres")
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        try:
            api = s.api()
            api.create_user_pool(v.CreateUserPoolRequest(name="doomed"))
            drop_schema(schema)
            err = expect_error(500, "InternalError", api.list_user_pools,
                               v.ListUserPoolsRequest(page_number=1, page_size=10))
            text = json.dumps(err).lower()
            for leak in ("sql", "relation", "postgres", "schema", "database", "sdk_"):
                assert leak not in text, err
            assert "internal error" in s.log().lower()
        finally:
            s.kill()


def test_not_implemented_list_identity_providers(api):
    err = expect_error(501, "NotImplemented", api.list_identity_providers,
                       v.ListIdentityProvidersRequest(user_pool_uid="up-any", page_number=1, page_size=10))
    assert "ListIdentityProviders" in err["Message"]


def test_put_root_is_method_not_allowed(server):
    r = requests.put(f"{server.url}/", data="{}", timeout=10)
    assert raw_error(r) == (405, "MethodNotAllowed")
    assert r.json()["ResponseMetadata"]["RequestId"] == r.headers["x-request-id"]


def test_every_answer_echoes_its_request_id(server):
    answers = [
        raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 1})),
        raw_call(server, None),
        raw_call(server, "StealAllTheThings"),
        raw_call(server, "GetUserPool", json.dumps({"UserPoolUid": "up-missing"})),
        raw_call(server, "ListUserPools", "{not json"),
        raw_call(server, "ListUserPools", sk="wrong-secret-000000000000000000000000000"),
        raw_call(server, "ListUserPools", ak="AKLTUNKNOWN0000000000000000"),
        raw_call(server, "ListUserPools", method="PUT"),
        raw_call(server, "ListIdentityProviders", json.dumps({"UserPoolUid": "x"})),
    ]
    ids = []
    for r in answers:
        meta = r.json()["ResponseMetadata"]
        assert meta["RequestId"], r.text
        assert r.headers.get("x-request-id") == meta["RequestId"], (r.status_code, r.headers, r.text)
        ids.append(meta["RequestId"])
        if r.status_code != 200:
            assert "Result" not in r.json()
            err = meta["Error"]
            assert err["Code"] and err["Message"], r.text
    assert len(set(ids)) == len(ids), "request ids are unique"


def test_error_envelope_carries_metadata(server):
    r = raw_call(server, "GetUserPool", json.dumps({"UserPoolUid": "up-missing"}))
    assert r.status_code == 404
    meta = r.json()["ResponseMetadata"]
    assert (meta["Action"], meta["Version"], meta["Service"], meta["Region"]) == \
        ("GetUserPool", "2025-10-30", "id", "cn-beijing")
    assert meta["Error"]["Code"] == "NotFound"


def test_sdk_reports_http_status_of_client_errors(api):
    """The SDK raises with the HTTP status and the raw body for every non-2xx answer."""
    with pytest.raises(volcenginesdkcore.rest.ApiException) as info:
        api.get_user_pool(v.GetUserPoolRequest(user_pool_uid="up-missing"))
    assert info.value.status == 404
    assert json.loads(info.value.body)["ResponseMetadata"]["Error"]["Code"] == "NotFound"


def test_wrong_secret_for_a_cli_key(server):
    ak, _ = server.new_key()
    expect_error(401, "SignatureNotMatch", server.api(ak, ROOT_SK).list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=10))


def test_signature_over_a_different_region_scope_still_verifies(server):
    """The region is part of the signed scope: a request signed for one region and relabelled fails."""
    def tamper(req):
        req["headers"]["Authorization"] = req["headers"]["Authorization"].replace("/cn-beijing/", "/cn-shanghai/")

    assert raw_error(raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 1}),
                              tamper=tamper)) == (401, "SignatureNotMatch")


def test_tampered_signed_header(server):
    def tamper(req):
        signed = datetime.datetime.strptime(req["headers"]["X-Date"], "%Y%m%dT%H%M%SZ")
        req["headers"]["X-Date"] = (signed - datetime.timedelta(seconds=5)).strftime("%Y%m%dT%H%M%SZ")

    r = raw_call(server, "ListUserPools", json.dumps({"PageNumber": 1, "PageSize": 1}), tamper=tamper)
    assert raw_error(r) == (401, "SignatureNotMatch")


def test_x_content_sha256_not_matching_body(server):
    """The body hash header is signed as sent, but it is not the hash of the body."""
    import hashlib
    from volcenginesdkcore.signv4 import SignerV4

    body = json.dumps({"PageNumber": 1, "PageSize": 10})
    q = {"Action": "ListUserPools", "Version": "2025-10-30"}
    headers = {"Content-Type": "application/json", "Host": server.host}
    SignerV4.sign("/", "POST", headers, json.dumps({"PageNumber": 1, "PageSize": 5}), None, q, ROOT_AK, ROOT_SK,
                  "cn-beijing", "id")
    assert headers["X-Content-Sha256"] != hashlib.sha256(body.encode()).hexdigest()
    r = requests.post(f"{server.url}/?Action=ListUserPools&Version=2025-10-30", headers=headers,
                      data=body.encode(), timeout=10)
    assert raw_error(r) == (401, "SignatureNotMatch")


def test_invalid_page_size_on_list_users(api, pool):
    for size in (0, 101):
        expect_error(400, "InvalidParameter.PageSize", api.list_users,
                     v.ListUsersRequest(user_pool_uid=pool.uid, page_size=size))


def test_wrong_json_type_string_abc(server, pool):
    r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid, "PageSize": "abc"}))
    assert raw_error(r) == (400, "InvalidParameter.PageSize")


def test_missing_required_fields_per_action(server, pool):
    cases = [
        ("GetUserPool", {}, "MissingParameter.UserPoolUid"),
        ("CreateUser", {"Email": "a@b.io"}, "MissingParameter.UserPoolUid"),
        ("ListUsers", {}, "MissingParameter.UserPoolUid"),
        ("CreateGroup", {"UserPoolUid": pool.uid}, "MissingParameter.Name"),
        ("ListGroups", {"UserPoolUid": pool.uid, "PageSize": 10}, "MissingParameter.PageNumber"),
        ("CreateDepartment", {"UserPoolUid": pool.uid, "Name": "x"}, "MissingParameter.ParentDepartmentUid"),
        ("ListDepartments", {"UserPoolUid": pool.uid, "PageNumber": 1, "PageSize": 10},
         "MissingParameter.ParentDepartmentUid"),
        ("GetDepartmentTree", {"UserPoolUid": pool.uid}, "MissingParameter.RootDepartmentUid"),
        ("AddUsersToGroup", {"UserPoolUid": pool.uid, "UserUids": []}, "MissingParameter.GroupUid"),
    ]
    got = []
    for action, body, _ in cases:
        r = raw_call(server, action, json.dumps(body))
        got.append((action, *raw_error(r)))
    assert got == [(a, 400, code) for a, _, code in cases]


def test_create_user_pool_with_pool_bound_key_and_other_pool_users(server, api):
    a = api.create_user_pool(v.CreateUserPoolRequest(name=f"ba-{uuid.uuid4().hex[:8]}"))
    b = api.create_user_pool(v.CreateUserPoolRequest(name=f"bb-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=a.uid)
    bound = server.api(ak, sk)
    bound.create_user(v.CreateUserRequest(user_pool_uid=a.uid, preferred_username="inside"))
    expect_error(403, "AccessDenied", bound.create_user,
                 v.CreateUserRequest(user_pool_uid=b.uid, preferred_username="outside"))
    expect_error(403, "AccessDenied", bound.list_users, v.ListUsersRequest(user_pool_uid=b.uid))
    expect_error(403, "AccessDenied", bound.delete_user_pool, v.DeleteUserPoolRequest(user_pool_uid=b.uid))
    assert api.list_users(v.ListUsersRequest(user_pool_uid=b.uid)).total_count == 0


def test_request_too_large(server):
    big = json.dumps({"PageNumber": 1, "PageSize": 10, "Pad": "x" * (11 * 1024 * 1024)})
    r = raw_call(server, "ListUserPools", big)
    assert raw_error(r) == (413, "RequestTooLarge")
