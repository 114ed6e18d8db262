"""Several idplane processes on one PostgreSQL store: a change acknowledged by one process is
honoured by every other within 1 second (the store's change feed; README "Running several
processes"). Each check first has process B use the thing (so B holds it in its caches), then
changes it through process A (or the CLI, a third process), then asks B until B refuses.

OWASP ASVS 4.0 V3.3.1/V3.3.3 (logout and credential changes end access everywhere) applied to
pools, clients, access keys and signing keys across processes."""

import os
import tempfile
import time
import uuid

import pytest
import requests
import volcenginesdkid as v
from joserfc import jwt
from joserfc.jwk import KeySet

from volcenginesdkcore.rest import ApiException

from conftest import PG_URL, Server, drop_schema, secret

PASSWORD = "Process-Pair-Password-1"
WITHIN = 1.0


@pytest.fixture(scope="module")
def pair():
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    schema = f"pair_{uuid.uuid4().hex[:12]}"
    env = {
        "IDPLANE_DATABASE_URL": PG_URL,
        "IDPLANE_DATABASE_SCHEMA": schema,
        "IDPLANE_MASTER_KEY": secret(os.urandom(32).hex()),
    }
    with tempfile.TemporaryDirectory() as da, tempfile.TemporaryDirectory() as db:
        a = Server(da, env).start()
        b = Server(db, env).start()
        try:
            yield a, b
        finally:
            for s in (a, b):
                assert s.stop() == 0, s.log()
    drop_schema(schema)


def refused_within(seconds, attempt):
    """Calls `attempt` until it returns true; the seconds that took, or fails after `seconds`."""
    started = time.monotonic()
    while True:
        if attempt():
            return time.monotonic() - started
        elapsed = time.monotonic() - started
        assert elapsed < seconds, f"still accepted {elapsed:.2f} s after the change"
        time.sleep(0.02)


class Machine:
    """A pool with a machine client, made through process A; tokens asked of any process."""

    def __init__(self, a):
        api = a.api()
        self.api = api
        self.pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"pair-{uuid.uuid4().hex[:8]}"))
        self.client = api.create_user_pool_client(v.CreateUserPoolClientRequest(
            user_pool_uid=self.pool.uid, name="machine", client_type="MACHINE_TO_MACHINE"))
        secret(self.client.client_secret)

    def token(self, server):
        return requests.post(
            f"{server.url}/userpool/{self.pool.uid}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(self.client.uid, self.client.client_secret), timeout=5)


def person(api):
    """A pool with a public client and a confirmed user: (pool, client, user name, user)."""
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"pair-{uuid.uuid4().hex[:8]}"))
    client = api.create_user_pool_client(v.CreateUserPoolClientRequest(
        user_pool_uid=pool.uid, name="native", client_type="MOBILE_APPLICATION"))
    name = f"u{uuid.uuid4().hex[:8]}"
    user = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username=name,
                                               password=secret(PASSWORD)))
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=user.uid, user_state="CONFIRMED"))
    return pool, client, name, user


def sign_in(server, pool, client, name):
    return requests.post(f"{server.url}/userpool/{pool.uid}/api/v1/InitiateAuth", json={
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client.uid,
        "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD}}, timeout=10)


def test_a_deleted_client_is_refused_by_the_other_process(pair):
    a, b = pair
    m = Machine(a)
    for _ in range(3):
        assert m.token(b).status_code == 200
    m.api.delete_user_pool_client(v.DeleteUserPoolClientRequest(user_pool_uid=m.pool.uid, client_uid=m.client.uid))
    assert m.token(a).status_code == 401, "at once in the process that made the change"
    refused_within(WITHIN, lambda: m.token(b).status_code == 401)


def test_a_deleted_pool_is_refused_by_the_other_process(pair):
    a, b = pair
    m = Machine(a)
    assert m.token(b).status_code == 200
    discovery = f"{b.url}/userpool/{m.pool.uid}/.well-known/openid-configuration"
    assert requests.get(discovery, timeout=5).status_code == 200
    m.api.delete_user_pool(v.DeleteUserPoolRequest(user_pool_uid=m.pool.uid))
    assert m.token(a).status_code in (400, 401, 404)
    refused_within(WITHIN, lambda: m.token(b).status_code in (400, 401, 404))
    assert requests.get(discovery, timeout=5).status_code == 404


def test_a_pool_setting_reaches_the_other_process(pair):
    """Password sign-in turned off through A: B stops taking passwords (InitiateAuth)."""
    a, b = pair
    api = a.api()
    pool, client, name, _ = person(api)
    first = sign_in(b, pool, client, name)
    assert first.status_code == 200, first.text
    api.update_user_pool(v.UpdateUserPoolRequest(user_pool_uid=pool.uid, password_sign_in_enabled=False))
    refused_within(WITHIN, lambda: sign_in(b, pool, client, name).status_code != 200)


def test_a_disabled_user_is_refused_by_the_other_process_at_once(pair):
    a, b = pair
    api = a.api()
    pool, client, name, user = person(api)
    r = sign_in(b, pool, client, name)
    assert r.status_code == 200, r.text
    refresh = r.json()["Result"]["AuthenticationResult"]["RefreshToken"]

    def refreshed(server):
        return requests.post(f"{server.url}/userpool/{pool.uid}/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh, "client_id": client.uid}, timeout=5)

    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=user.uid, user_state="DISABLED"))
    assert refreshed(b).status_code == 400


def test_a_deleted_access_key_is_refused_by_the_other_process(pair):
    a, b = pair
    ak, sk = a.new_key(account=f"acct-{uuid.uuid4().hex[:6]}")
    assert b.api(ak, sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10)) is not None
    a.cli("access-key", "delete", ak)

    def refused():
        try:
            b.api(ak, sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))
            return False
        except ApiException as e:
            assert e.status in (401, 403), e.body
            return True

    refused_within(WITHIN, refused)


def test_a_rotated_signing_key_signs_in_the_other_process(pair):
    a, b = pair
    m = Machine(a)
    jwks_uri = f"{b.url}/userpool/{m.pool.uid}/.well-known/jwks.json"

    def kid_of(server):
        token = m.token(server).json()["access_token"]
        keys = KeySet.import_key_set(requests.get(jwks_uri, timeout=5).json())
        return jwt.decode(token, keys).header["kid"]

    old = kid_of(b)
    rotated = a.cli("signing-key", "rotate", "--pool", m.pool.uid)["Kid"]
    assert rotated != old
    refused_within(WITHIN, lambda: kid_of(b) == rotated)
    assert kid_of(a) == rotated
