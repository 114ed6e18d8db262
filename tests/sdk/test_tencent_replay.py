"""Replay and substitution of Tencent-signed requests. The official SDKs sign only Content-Type
and Host, so X-TC-Action is not covered by the signature: a captured DescribeUserInfo could be
re-sent as DeleteUser with the same body and signature. Such a signature is taken for one change
only (reads may repeat), and a legacy signature's Nonce once — across every process sharing the
store (OWASP ASVS 4.0 V13.2.? / V2.?; the issue's request substitution)."""

import json
import tempfile
import uuid

import pytest
import requests

from conftest import PG_URL, ROOT_AK, ROOT_SK, drop_schema, start_server
from signing import legacy_params, tc3_headers, tc_error
from test_tencent import Eiam

SDK_SIGNED = ("content-type", "host")


def capture(server, action, body):
    """A request signed the way the official SDK signs it (action not covered)."""
    raw = json.dumps(body).encode()
    return raw, tc3_headers(server.host, action, raw, signed=SDK_SIGNED)


def send(server, raw, headers, action=None):
    h = dict(headers)
    if action:
        h["X-TC-Action"] = action
    return requests.post(f"{server.url}/", data=raw, headers=h, timeout=30)


@pytest.fixture
def user(server):
    eiam = Eiam(server)
    name = f"replay{uuid.uuid4().hex[:8]}"
    uid = eiam("CreateUser", UserName=name, Password="Passw0rd!xyz")["UserId"]
    return eiam, uid


def test_a_captured_read_cannot_be_re_sent_as_a_delete(server, user):
    eiam, uid = user
    raw, headers = capture(server, "DescribeUserInfo", {"UserId": uid})
    assert tc_error(send(server, raw, headers)) is None
    r = send(server, raw, headers, action="DeleteUser")
    assert tc_error(r) == "AuthFailure.SignatureFailure"
    assert eiam("DescribeUserInfo", UserId=uid)["UserId"] == uid, "still there"


def test_a_captured_change_is_made_once(server, user):
    eiam, uid = user
    raw, headers = capture(server, "ModifyUserInfo", {"UserId": uid, "Description": "first"})
    assert tc_error(send(server, raw, headers)) is None
    eiam("ModifyUserInfo", UserId=uid, Description="later")
    assert tc_error(send(server, raw, headers)) == "AuthFailure.SignatureFailure"
    assert tc_error(send(server, raw, headers, action="DeleteUser")) == "AuthFailure.SignatureFailure"
    assert eiam("DescribeUserInfo", UserId=uid)["Description"] == "later"


def test_reads_may_repeat(server, user):
    _, uid = user
    raw, headers = capture(server, "DescribeUserInfo", {"UserId": uid})
    for _ in range(3):
        assert tc_error(send(server, raw, headers)) is None


def test_requests_that_sign_their_action_may_repeat(server):
    raw = json.dumps({"DisplayName": f"g{uuid.uuid4().hex[:8]}"}).encode()
    headers = tc3_headers(server.host, "CreateUserGroup", raw, signed=("content-type", "host", "x-tc-action"))
    assert tc_error(send(server, raw, headers)) is None
    assert tc_error(send(server, raw, headers)) == "FailedOperation.CreateUserGroupError", "a duplicate name"
    assert tc_error(send(server, raw, headers, action="DeleteUserGroup")) == "AuthFailure.SignatureFailure"


def test_a_legacy_nonce_is_used_once(server, user):
    _, uid = user
    params = legacy_params(server.host, "DescribeUserInfo", {"UserId": uid}, nonce=424242)
    post = lambda p: requests.post(f"{server.url}/", data=p, timeout=30)  # noqa: E731
    assert tc_error(post(params)) is None
    assert tc_error(post(params)) == "AuthFailure.SignatureFailure"
    again = legacy_params(server.host, "DeleteUser", {"UserId": uid}, nonce=424242)
    assert tc_error(post(again)) == "AuthFailure.SignatureFailure", "the nonce, even freshly signed"


def test_a_replay_on_another_server_of_the_store_is_refused():
    """Two processes on one PostgreSQL: a request taken by one is refused by the other."""
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    schema = f"rp_{uuid.uuid4().hex[:10]}"
    env = {"IDPLANE_DATABASE_URL": PG_URL, "IDPLANE_DATABASE_SCHEMA": schema,
           "IDPLANE_MASTER_KEY": "5" * 64}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        one, two = start_server(a, env), start_server(b, env)
        try:
            uid = Eiam(one, ROOT_AK, ROOT_SK)("CreateUser", UserName=f"x{uuid.uuid4().hex[:6]}",
                                             Password="Passw0rd!xyz")["UserId"]
            raw = json.dumps({"UserId": uid}).encode()
            # Signed for server one's Host; server two checks the same Host header when sent so.
            headers = tc3_headers(one.host, "DescribeUserInfo", raw, signed=SDK_SIGNED)
            assert tc_error(send(one, raw, headers)) is None
            replay = requests.post(f"{two.url}/", data=raw, headers=dict(headers, **{"X-TC-Action": "DeleteUser"}),
                                   timeout=30)
            assert tc_error(replay) == "AuthFailure.SignatureFailure"
        finally:
            one.kill()
            two.kill()
            drop_schema(schema)
