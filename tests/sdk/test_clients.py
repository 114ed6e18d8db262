"""User pool clients and a pool's well-known endpoints through the official SDK."""

import json
import re
import tempfile
import uuid
from urllib.parse import quote

import pytest
import volcenginesdkid as v

from conftest import Server, expect_error, raw_call, raw_error, secret

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TYPES = ["WEB_APPLICATION", "SINGLE_PAGE_APPLICATION", "MOBILE_APPLICATION", "MACHINE_TO_MACHINE"]
CONFIDENTIAL = {"WEB_APPLICATION", "MACHINE_TO_MACHINE"}


def name():
    return f"app-{uuid.uuid4().hex[:10]}"


def create(api, pool, client_type="WEB_APPLICATION", **kw):
    created = api.create_user_pool_client(v.CreateUserPoolClientRequest(
        user_pool_uid=pool.uid, name=kw.pop("name", name()), client_type=client_type, **kw))
    if created.client_secret:
        secret(created.client_secret)
    return created


def raw_json(server, action, body):
    r = raw_call(server, action, json.dumps(body))
    assert r.status_code == 200, r.text
    return r.json()["Result"]


@pytest.mark.parametrize("client_type", TYPES)
def test_crud_for_every_type(server, api, pool, client_type):
    callback = "com.example.app:/callback" if client_type == "MOBILE_APPLICATION" else "https://app.example.com/cb"
    created = create(api, pool, client_type, description="billing app",
                     allowed_callback_urls=[callback], logo_uri="https://app.example.com/logo.png")
    assert created.client_type == client_type
    assert created.description == "billing app"
    assert created.allowed_callback_urls == [callback]
    assert created.logo_uri == "https://app.example.com/logo.png"
    assert ISO.match(created.create_time) and ISO.match(created.update_time)
    assert created.id_token.lifetime_seconds == 3600
    assert created.refresh_token.rotation is True
    if client_type in CONFIDENTIAL:
        assert len(created.client_secret) >= 43
        assert re.fullmatch(r"[A-Za-z0-9_-]+", created.client_secret)
    else:
        assert created.client_secret is None, "public clients get no secret"

    got = api.get_user_pool_client(v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid))
    assert got.uid == created.uid and got.name == created.name
    assert got.client_secret == created.client_secret, "Get shows the owner the same secret"
    authorize = f"{server.url}/userpool/{pool.uid}/oauth2/authorize"
    assert got.login_page_url == (f"{authorize}?client_id={created.uid}&response_type=code&scope=openid"
                                  f"&redirect_uri={quote(callback, safe='')}")

    updated = api.update_user_pool_client(v.UpdateUserPoolClientRequest(
        user_pool_uid=pool.uid, client_uid=created.uid, description="renamed",
        id_token=v.IdTokenForUpdateUserPoolClientInput(life_time_seconds=900),
        refresh_token=v.RefreshTokenForUpdateUserPoolClientInput(
            rotation=False, idle_lifetime_seconds=3600, combined_lifetime_seconds=86400),
        allowed_logout_urls=["https://app.example.com/bye"], skip_consent_enabled=True))
    assert updated.description == "renamed"
    assert updated.name == created.name, "fields not sent are kept"
    assert updated.allowed_callback_urls == [callback]
    assert updated.id_token.lifetime_seconds == 900
    assert updated.refresh_token.rotation is False
    assert updated.refresh_token.idle_lifetime_seconds == 3600
    assert updated.allowed_logout_urls == ["https://app.example.com/bye"]
    assert updated.skip_consent_enabled is True
    assert updated.client_secret is None, "Update never shows the secret"
    assert updated.client_type == client_type

    again = api.get_user_pool_client(v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid))
    assert again.id_token.lifetime_seconds == 900
    assert again.client_secret == created.client_secret, "updates keep the secret"

    deleted = api.delete_user_pool_client(v.DeleteUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid))
    assert deleted.message
    expect_error(404, "NotFound", api.get_user_pool_client,
                 v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid))
    expect_error(404, "NotFound", api.delete_user_pool_client,
                 v.DeleteUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid))
    expect_error(404, "NotFound", api.update_user_pool_client,
                 v.UpdateUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=created.uid, name="x"))


def test_list_never_shows_secrets(server, api, pool):
    web = create(api, pool, "WEB_APPLICATION", name="alpha web", description="the shop")
    m2m = create(api, pool, "MACHINE_TO_MACHINE", name="beta agent")
    spa = create(api, pool, "SINGLE_PAGE_APPLICATION", name="gamma spa", description="Shop front")

    r = raw_call(server, "ListUserPoolClients", json.dumps({"UserPoolUid": pool.uid, "PageNumber": 1, "PageSize": 10}))
    assert r.status_code == 200
    assert web.client_secret not in r.text and m2m.client_secret not in r.text
    assert "ClientSecret" not in r.text
    result = r.json()["Result"]
    assert result["TotalCount"] == 3
    assert [c["Uid"] for c in result["Data"]] == [spa.uid, m2m.uid, web.uid], "newest first by default"

    listed = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=1, page_size=2, sort_field="Name", sort_direction="Asc"))
    assert listed.total_count == 3 and [c.name for c in listed.data] == ["alpha web", "beta agent"]
    page2 = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=2, page_size=2, sort_field="Name", sort_direction="Asc"))
    assert [c.name for c in page2.data] == ["gamma spa"]

    machines = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=1, page_size=10,
        filter=v.FilterForListUserPoolClientsInput(client_types=["MACHINE_TO_MACHINE"])))
    assert [c.uid for c in machines.data] == [m2m.uid] and machines.total_count == 1
    confidential = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=1, page_size=10,
        filter=v.FilterForListUserPoolClientsInput(client_types=["MACHINE_TO_MACHINE", "WEB_APPLICATION"])))
    assert {c.uid for c in confidential.data} == {web.uid, m2m.uid}
    shops = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=1, page_size=10,
        filter=v.FilterForListUserPoolClientsInput(description="shop")))
    assert {c.uid for c in shops.data} == {web.uid, spa.uid}
    by_name = api.list_user_pool_clients(v.ListUserPoolClientsRequest(
        user_pool_uid=pool.uid, page_number=1, page_size=10,
        filter=v.FilterForListUserPoolClientsInput(name="agent")))
    assert [c.uid for c in by_name.data] == [m2m.uid]

    expect_error(400, "InvalidParameter.Filter.ClientTypes", api.list_user_pool_clients,
                 v.ListUserPoolClientsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10,
                                              filter=v.FilterForListUserPoolClientsInput(client_types=["ROBOT"])))
    expect_error(400, "InvalidParameter.SortField", api.list_user_pool_clients,
                 v.ListUserPoolClientsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10, sort_field="Secret"))
    expect_error(400, "InvalidParameter.PageSize", api.list_user_pool_clients,
                 v.ListUserPoolClientsRequest(user_pool_uid=pool.uid, page_number=1, page_size=1000))


def test_validation(server, api, pool):
    def bad(code, **kw):
        kw.setdefault("client_type", "WEB_APPLICATION")
        kw.setdefault("name", name())
        return expect_error(400, code, api.create_user_pool_client,
                            v.CreateUserPoolClientRequest(user_pool_uid=pool.uid, **kw))

    err = bad("InvalidParameter.ClientType", client_type="NATIVE")
    assert "WEB_APPLICATION" in err["Message"]
    err = bad("InvalidParameter.Name", name="x" * 129)
    assert "128" in err["Message"]
    bad("InvalidParameter.Name", name="")
    bad("InvalidParameter.AllowedCallbackUrls", allowed_callback_urls=["not a url"])
    bad("InvalidParameter.AllowedCallbackUrls", allowed_callback_urls=["/relative/cb"])
    bad("InvalidParameter.AllowedCallbackUrls", allowed_callback_urls=["https://app.example.com/cb#x"])
    err = bad("InvalidParameter.AllowedCallbackUrls", allowed_callback_urls=["http://app.example.com/cb"])
    assert "localhost" in err["Message"]
    bad("InvalidParameter.AllowedCallbackUrls", allowed_callback_urls=["myapp://cb"])
    bad("InvalidParameter.AllowedCallbackUrls", client_type="MOBILE_APPLICATION",
        allowed_callback_urls=["javascript:alert(1)"])
    bad("InvalidParameter.LogoUri", logo_uri="ftp://logo")
    create(api, pool, allowed_callback_urls=["http://localhost:3000/cb", "http://127.0.0.1:8080/cb"])
    create(api, pool, allowed_callback_urls=["http://dev.example.com/cb"], development_mode_enabled=True)
    create(api, pool, "MOBILE_APPLICATION", allowed_callback_urls=["myapp://cb"])

    web = create(api, pool)
    def bad_update(code, **kw):
        expect_error(400, code, api.update_user_pool_client,
                     v.UpdateUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=web.uid, **kw))
    bad_update("InvalidParameter.AllowedLogoutUrls", allowed_logout_urls=["https://x.example.com/#f"])
    bad_update("InvalidParameter.AllowedWebOrigins", allowed_web_origins=["https://x.example.com/path"])
    bad_update("InvalidParameter.IdToken.LifeTimeSeconds",
               id_token=v.IdTokenForUpdateUserPoolClientInput(life_time_seconds=5))
    bad_update("InvalidParameter.RefreshToken.IdleLifetimeSeconds",
               refresh_token=v.RefreshTokenForUpdateUserPoolClientInput(idle_lifetime_seconds=-1))
    bad_update("InvalidParameter.Name", name="")
    got = api.get_user_pool_client(v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=web.uid))
    assert got.allowed_logout_urls == [] and got.id_token.lifetime_seconds == 3600, "a refused update changes nothing"

    # Required parameters the SDK would refuse to send.
    for body, field in [
        ({"Name": "a", "ClientType": "WEB_APPLICATION"}, "UserPoolUid"),
        ({"UserPoolUid": pool.uid, "ClientType": "WEB_APPLICATION"}, "Name"),
        ({"UserPoolUid": pool.uid, "Name": "a"}, "ClientType"),
    ]:
        assert raw_error(raw_call(server, "CreateUserPoolClient", json.dumps(body))) == (400, f"MissingParameter.{field}")
    assert raw_error(raw_call(server, "GetUserPoolClient", json.dumps({"UserPoolUid": pool.uid}))) == \
        (400, "MissingParameter.ClientUid")
    assert raw_error(raw_call(server, "ListUserPoolClients", json.dumps({"UserPoolUid": pool.uid, "PageSize": 10}))) == \
        (400, "MissingParameter.PageNumber")
    assert raw_error(raw_call(server, "GetUserPoolClient", json.dumps(
        {"UserPoolUid": pool.uid, "ClientUid": "no/such"}))) == (400, "InvalidParameter.ClientUid")
    assert raw_error(raw_call(server, "CreateUserPoolClient", json.dumps(
        {"UserPoolUid": pool.uid, "Name": "a", "ClientType": 7}))) == (400, "InvalidParameter.ClientType")


def test_unknown_client_and_other_accounts(server, api, pool):
    missing = str(uuid.uuid4())
    expect_error(404, "NotFound", api.get_user_pool_client,
                 v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=missing))
    other_pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"pool-{uuid.uuid4().hex[:10]}"))
    client = create(api, pool)
    expect_error(404, "NotFound", api.get_user_pool_client,
                 v.GetUserPoolClientRequest(user_pool_uid=other_pool.uid, client_uid=client.uid))

    ak, sk = server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}")
    stranger = server.api(ak, sk)
    expect_error(404, "NotFound", stranger.get_user_pool_client,
                 v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=client.uid))
    expect_error(404, "NotFound", stranger.create_user_pool_client, v.CreateUserPoolClientRequest(
        user_pool_uid=pool.uid, name="x", client_type="WEB_APPLICATION"))
    expect_error(404, "NotFound", stranger.list_user_pool_clients,
                 v.ListUserPoolClientsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10))
    expect_error(404, "NotFound", stranger.delete_user_pool_client,
                 v.DeleteUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=client.uid))
    expect_error(404, "NotFound", stranger.list_user_pool_well_known_endpoints,
                 v.ListUserPoolWellKnownEndpointsRequest(user_pool_uids=[pool.uid]))
    assert stranger.list_user_pool_well_known_endpoints(v.ListUserPoolWellKnownEndpointsRequest()).data == []


def test_well_known_endpoints(server, api):
    a = api.create_user_pool(v.CreateUserPoolRequest(name=f"pool-{uuid.uuid4().hex[:10]}"))
    b = api.create_user_pool(v.CreateUserPoolRequest(name=f"pool-{uuid.uuid4().hex[:10]}"))
    got = api.list_user_pool_well_known_endpoints(v.ListUserPoolWellKnownEndpointsRequest(user_pool_uids=[b.uid, a.uid]))
    assert [e.user_pool_uid for e in got.data] == [b.uid, a.uid]
    e = got.data[1]
    base = f"{server.url}/userpool/{a.uid}"
    assert e.issuer_url == base
    assert e.discovery_url == f"{base}/.well-known/openid-configuration"
    assert e.jwks_uri == f"{base}/.well-known/jwks.json"
    assert e.authorization_endpoint == f"{base}/oauth2/authorize"
    assert e.token_endpoint == f"{base}/oauth2/token"
    assert e.userinfo_endpoint == f"{base}/oauth2/userinfo"
    assert e.revocation_endpoint == f"{base}/oauth2/revoke"
    assert e.introspection_endpoint == f"{base}/oauth2/introspect"
    assert e.end_session_endpoint == f"{base}/oauth2/logout"
    assert e.custom_domain == ""

    everything = api.list_user_pool_well_known_endpoints(v.ListUserPoolWellKnownEndpointsRequest())
    uids = [x.user_pool_uid for x in everything.data]
    assert a.uid in uids and b.uid in uids and len(uids) == len(set(uids))
    empty_list = raw_json(server, "ListUserPoolWellKnownEndpoints", {"UserPoolUids": []})
    assert [x["UserPoolUid"] for x in empty_list["Data"]] == uids

    expect_error(404, "NotFound", api.list_user_pool_well_known_endpoints,
                 v.ListUserPoolWellKnownEndpointsRequest(user_pool_uids=[a.uid, str(uuid.uuid4())]))

    ak, sk = server.new_key(pool=a.uid)
    bound = server.api(ak, sk).list_user_pool_well_known_endpoints(v.ListUserPoolWellKnownEndpointsRequest())
    assert [x.user_pool_uid for x in bound.data] == [a.uid], "a pool-bound key sees its pool only"


def test_pool_urls_and_total_clients(server, api, pool):
    got = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid))
    base = f"{server.url}/userpool/{pool.uid}"
    assert got.issuer_url == base
    assert got.discovery_url == f"{base}/.well-known/openid-configuration"
    assert got.token_url == f"{base}/oauth2/token"
    assert got.token_signing_key_url == f"{base}/.well-known/jwks.json"
    assert got.total_clients == 0

    clients = [create(api, pool, t) for t in TYPES]
    assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid)).total_clients == 4
    listed = api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100))
    assert next(p for p in listed.data if p.uid == pool.uid).total_clients == 4
    api.delete_user_pool_client(v.DeleteUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=clients[0].uid))
    assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid)).total_clients == 3

    api.delete_user_pool(v.DeleteUserPoolRequest(user_pool_uid=pool.uid))
    expect_error(404, "NotFound", api.get_user_pool_client,
                 v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=clients[1].uid))


def test_secrets_never_reach_the_log(server, api, pool):
    made = [create(api, pool, t) for t in ("WEB_APPLICATION", "MACHINE_TO_MACHINE")]
    for c in made:
        api.get_user_pool_client(v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=c.uid))
    log = server.log()
    for c in made:
        assert c.client_secret and c.client_secret not in log


def test_no_client_secret_in_a_debug_log():
    """Even at debug level, creating, reading, updating and listing clients logs no secret."""
    with tempfile.TemporaryDirectory() as d:
        s = Server(d, {"IDPLANE_LOG_LEVEL": "debug"})
        s.env.pop("RUST_LOG", None)
        s.start()
        try:
            api = s.api()
            pool = api.create_user_pool(v.CreateUserPoolRequest(name="logged"))
            made = [create(api, pool, t) for t in ("WEB_APPLICATION", "MACHINE_TO_MACHINE")]
            for c in made:
                api.get_user_pool_client(v.GetUserPoolClientRequest(user_pool_uid=pool.uid, client_uid=c.uid))
                api.update_user_pool_client(v.UpdateUserPoolClientRequest(
                    user_pool_uid=pool.uid, client_uid=c.uid, description="seen"))
            api.list_user_pool_clients(v.ListUserPoolClientsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10))
        finally:
            assert s.stop() == 0
        log = s.log()
        assert "DEBUG" in log or "debug" in log, "the server did log at debug level"
        leaked = [c.uid for c in made if c.client_secret in log]
        assert not leaked, f"client secrets of {leaked} appeared in the log"
