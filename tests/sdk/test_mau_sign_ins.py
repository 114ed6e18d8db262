"""Monthly active users after real sign-ins: the data plane counts, GetUserPoolMaus reports."""

import base64
import hashlib
import hmac
import tempfile
import uuid

import pytest
import requests
import volcenginesdkid as v

from conftest import PG_URL, ROOT_AK, ROOT_SK, Server, assert_no_secrets_in_log, drop_schema, secret

PASSWORD = "metered passphrase 2024"


def mau(api, pool_uid):
    out = api.get_user_pool_maus(v.GetUserPoolMausRequest(user_pool_uids=[pool_uid]))
    return out.user_pool_maus[0].mau


class Pool:
    """A pool with a web client and `n` confirmed users, signing in through InitiateAuth."""

    def __init__(self, server, api, n):
        self.server, self.api = server, api
        self.pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"mau-{uuid.uuid4().hex[:8]}"))
        self.client = api.create_user_pool_client(v.CreateUserPoolClientRequest(
            user_pool_uid=self.pool.uid, name="app", client_type="WEB_APPLICATION",
            allowed_callback_urls=["https://app.example.test/cb"]))
        secret(self.client.client_secret)
        self.users = []
        for i in range(n):
            name = f"u{i}-{uuid.uuid4().hex[:6]}"
            u = api.create_user(v.CreateUserRequest(user_pool_uid=self.pool.uid, preferred_username=name,
                                                    password=secret(PASSWORD)))
            api.update_user(v.UpdateUserRequest(user_pool_uid=self.pool.uid, user_uid=u.uid, user_state="CONFIRMED"))
            self.users.append(name)

    def url(self, server=None):
        return f"{(server or self.server).url}/userpool/{self.pool.uid}/api/v1/InitiateAuth"

    def sign_in(self, username, password=PASSWORD, server=None):
        mac = hmac.new(self.client.client_secret.encode(), (username + self.client.uid).encode(), hashlib.sha256)
        return requests.post(self.url(server), json={
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.client.uid,
            "AuthParameters": {"USERNAME": username, "PASSWORD": password,
                               "SECRET_HASH": base64.b64encode(mac.digest()).decode()}})


def test_distinct_users_once_failures_and_admin_actions_not_counted(server, api):
    p = Pool(server, api, 3)
    assert mau(api, p.pool.uid) == 0, "creating and confirming users is administration"
    api.list_users(v.ListUsersRequest(user_pool_uid=p.pool.uid, page_number=1, page_size=10))
    assert p.sign_in(p.users[0], password="wrong password 1").status_code == 400
    assert p.sign_in("nobody-at-all").status_code == 400
    assert mau(api, p.pool.uid) == 0, "failed sign-ins do not count"
    for _ in range(3):
        assert p.sign_in(p.users[0]).status_code == 200
    assert mau(api, p.pool.uid) == 1, "one user however often they sign in"
    r = p.sign_in(p.users[1])
    assert r.status_code == 200
    assert mau(api, p.pool.uid) == 2
    # A token refresh of an already counted user changes nothing; the third user never acted.
    refresh = r.json()["Result"]["AuthenticationResult"]["RefreshToken"]
    mac = hmac.new(p.client.client_secret.encode(), (p.users[1] + p.client.uid).encode(), hashlib.sha256)
    again = requests.post(p.url(), json={"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": p.client.uid,
                                         "AuthParameters": {"REFRESH_TOKEN": refresh, "USERNAME": p.users[1],
                                                            "SECRET_HASH": base64.b64encode(mac.digest()).decode()}})
    assert again.status_code == 200
    assert mau(api, p.pool.uid) == 2
    # Another pool's figure is its own.
    q = Pool(server, api, 1)
    assert mau(api, q.pool.uid) == 0


def test_count_survives_a_restart(server, api):
    p = Pool(server, api, 2)
    assert p.sign_in(p.users[0]).status_code == 200
    assert mau(api, p.pool.uid) == 1
    assert server.stop() == 0
    server.start()
    assert mau(api, p.pool.uid) == 1
    assert p.sign_in(p.users[0]).status_code == 200, "after a restart the same user is not counted twice"
    assert p.sign_in(p.users[1]).status_code == 200
    assert mau(api, p.pool.uid) == 2


def test_two_processes_on_one_postgresql_count_a_user_once():
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    schema = f"sdk_{uuid.uuid4().hex[:12]}"
    env = {"IDPLANE_DATABASE_URL": PG_URL, "IDPLANE_DATABASE_SCHEMA": schema,
           "IDPLANE_MASTER_KEY": "00" * 16 + "11" * 16}
    with tempfile.TemporaryDirectory() as d1, tempfile.TemporaryDirectory() as d2:
        a = Server(d1, env).start()
        b = Server(d2, env).start()
        try:
            api = a.api()
            p = Pool(a, api, 2)
            for s in (a, b, a, b):
                assert p.sign_in(p.users[0], server=s).status_code == 200
            assert mau(api, p.pool.uid) == 1
            assert mau(b.api(), p.pool.uid) == 1
            assert p.sign_in(p.users[1], server=b).status_code == 200
            assert mau(api, p.pool.uid) == 2
        finally:
            for s in (a, b):
                assert s.stop() == 0, s.log()
                assert_no_secrets_in_log(s)
            drop_schema(schema)
