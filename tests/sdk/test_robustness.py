"""Hostile input from any tenant or anyone at all: no request may crash the server, answer 500,
forge a log line, or behave differently on SQLite and PostgreSQL (OWASP ASVS 4.0 V5.1.4, V5.3,
V7.3.1; V12.1.1 for the size limits)."""

import json
import uuid
from urllib.parse import quote, urlencode

import pytest
import requests
import volcenginesdkid as v

from conftest import assert_no_internal_errors, raw_call, raw_error
from signing import legacy_call, tc3_call, tc3_headers, tc_error

DOTS = "a." * 5000 + "b"


def alive(server):
    assert server.proc.poll() is None, server.log()[-3000:]
    assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_thousands_of_dots_in_a_parameter_name_are_refused_in_every_framing(server):
    """A name of a few thousand dots once recursed once per dot and aborted the process."""
    r = raw_call(server, "ListUserPools", b"", method="GET", query={DOTS: "x"})
    assert raw_error(r) == (400, "InvalidParameter")
    form = urlencode({DOTS: "x"})
    r = raw_call(server, "ListUserPools", form, content_type="application/x-www-form-urlencoded")
    assert raw_error(r) == (400, "InvalidParameter")
    query = urlencode({DOTS: "x"})
    headers = tc3_headers(server.host, "ListUsers", b"", method="GET", query=query)
    r = requests.get(f"{server.url}/?{query}", headers=headers, timeout=30)
    assert tc_error(r) == "InvalidParameter"
    for method in ("POST", "GET"):
        assert tc_error(legacy_call(server, "ListUsers", {DOTS: "x"}, method=method)) == "InvalidParameter"
    deep = ".".join(["a"] * 40)
    assert tc_error(legacy_call(server, "ListUsers", {deep: "x"})) == "InvalidParameter"
    alive(server)


def test_a_timestamp_at_the_end_of_the_integer_range_is_expired(server):
    """`now - timestamp` once overflowed for a timestamp near -2^63."""
    for ts in (-(2 ** 63), 2 ** 63 - 1, -(2 ** 63) + 1):
        r = tc3_call(server, "ListUsers", {}, timestamp=ts)
        assert tc_error(r) == "AuthFailure.SignatureExpire", r.text
        r = legacy_call(server, "ListUsers", {}, timestamp=ts)
        assert tc_error(r) == "AuthFailure.SignatureExpire", r.text
    alive(server)


def test_action_names_cannot_forge_log_lines(server):
    forged = "ListUsers\n2026-01-01T00:00:00Z  INFO FORGED-ENTRY admin=true"
    r = raw_call(server, forged)
    assert raw_error(r) == (400, "InvalidAction")
    r = legacy_call(server, forged, {})
    assert tc_error(r) in ("InvalidAction", "AuthFailure.SignatureFailure")
    r = requests.post(f"{server.url}/?Action={quote(forged)}&Version=2025-10-30", data="{}", timeout=10)
    assert r.status_code in (400, 401)
    for line in server.log().splitlines():
        assert not line.startswith("2026-01-01T00:00:00Z"), line
        assert "FORGED-ENTRY" not in line or "\\n" in line, line


@pytest.mark.parametrize("text", ["a\u0000b", "bell\u0007", "esc\u001b[31m"])
def test_control_characters_are_refused_naming_the_field_on_both_backends(server, api, text):
    """NUL reached PostgreSQL, which refused it with a 500; SQLite stored it."""
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"ctl-{uuid.uuid4().hex[:8]}"))
    r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid, "Filter": {"Name": text}}))
    assert raw_error(r) == (400, "InvalidParameter.Filter.Name")
    r = raw_call(server, "CreateUser", json.dumps({"UserPoolUid": pool.uid, "PreferredUsername": "x",
                                                   "Nickname": text}))
    assert raw_error(r) == (400, "InvalidParameter.Nickname")
    r = raw_call(server, "GetUserPool", json.dumps({"UserPoolUid": text}))
    assert raw_error(r) == (400, "InvalidParameter.UserPoolUid")
    for action, body in [("DescribeUserInfo", {"UserName": text}), ("DescribeUserGroup", {"UserGroupId": text}),
                         ("ListUsers", {"SearchCondition": {"Keyword": text}}),
                         ("CreateUserGroup", {"DisplayName": text})]:
        assert tc_error(tc3_call(server, action, body)) in ("InvalidParameter", "InvalidParameterValue",
                                                            "InvalidParameter.SearchCriteriaIllegal"), action
    assert_no_internal_errors(server)


def test_long_filters_and_huge_lists_are_refused_alike_on_both_backends(server, api):
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"big-{uuid.uuid4().hex[:8]}"))
    for field in ("Name", "PreferredUsername", "Email", "Nickname"):
        r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid, "Filter": {field: "%" * 60000}}))
        assert raw_error(r) == (400, f"InvalidParameter.Filter.{field}")
    r = raw_call(server, "ListGroups", json.dumps({"UserPoolUid": pool.uid, "Filter": {"Name": "x" * 5000}}))
    assert raw_error(r) == (400, "InvalidParameter.Filter.Name")
    r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid,
                                                  "Filter": {"UserUidsOr": ["x"] * 101}}))
    assert raw_error(r)[0] == 400
    r = raw_call(server, "GetUserPoolMaus", json.dumps({"UserPoolUids": [pool.uid] * 250_000}))
    assert raw_error(r) == (400, "InvalidParameter.UserPoolUids")
    group = tc3_call(server, "CreateUserGroup", {"DisplayName": f"g-{uuid.uuid4().hex[:8]}"}).json()
    group = group["Response"]["UserGroupId"]
    for action, body in [
        ("AddUserToUserGroup", {"UserGroupId": group, "UserIds": [f"u{i}" for i in range(101)]}),
        ("RemoveUserFromUserGroup", {"UserGroupId": group, "UserIds": [f"u{i}" for i in range(101)]}),
        ("DeleteUsers", {"DeleteIdList": [f"u{i}" for i in range(101)]}),
        ("DeleteUsers", {"DeleteNameList": [f"u{i}" for i in range(101)]}),
        ("DeleteUsers", {"DeleteIdList": [f"u{i}" for i in range(250_000)]}),
        ("CreateUser", {"UserName": "many", "Password": "Passw0rd!xyz", "UserGroupIds": [group] * 101}),
    ]:
        r = tc3_call(server, action, body)
        assert tc_error(r) in ("InvalidParameterValue", "InvalidParameter"), (action, r.text[:300])
    assert_no_internal_errors(server)
    alive(server)


def test_data_plane_bounds_answer_generically(server, api):
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"dp-{uuid.uuid4().hex[:8]}"))
    spa = api.create_user_pool_client(v.CreateUserPoolClientRequest(
        user_pool_uid=pool.uid, name="spa", client_type="SINGLE_PAGE_APPLICATION",
        allowed_callback_urls=["https://app.example.test/cb"]))
    issuer = f"{server.url}/userpool/{pool.uid}"
    r = requests.post(f"{issuer}/api/v1/InitiateAuth", json={
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": spa.uid,
        "AuthParameters": {"USERNAME": "a\u0000b", "PASSWORD": "whatever-password"}}, timeout=10)
    assert r.status_code == 400 and r.json()["ResponseMetadata"]["Error"]["Code"] == "NotAuthorized"
    r = requests.post(f"{issuer}/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": "a\u0000b",
                                                      "client_id": spa.uid}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.post(f"{issuer}/oauth2/token", data="x=" + "a" * (128 * 1024),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 413
    r = requests.post(f"{issuer}/oauth2/token", data="&".join(f"k{i}=1" for i in range(100)),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert_no_internal_errors(server)
    alive(server)
