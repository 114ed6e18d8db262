"""Every user pool as an OpenID Connect provider, driven by a standard OAuth/OIDC client library
(authlib, with joserfc for token validation) and a browser-like HTTP session for the hosted page."""

import base64
import hashlib
import hmac
import secrets as pysecrets
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import volcenginesdkid as v
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from conftest import secret
from test_tencent import Eiam

CALLBACK = "https://app.example.test/callback"
LOGOUT = "https://app.example.test/signed-out"
PASSWORD = "correct horse battery staple"


class Form(HTMLParser):
    """The hosted page's form: its action and its inputs."""

    def __init__(self, html):
        super().__init__()
        self.action, self.fields = None, {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""


def query_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Provider:
    """One pool with a confirmed user and a client of the given type."""

    def __init__(self, server, api, client_type="WEB_APPLICATION", pool_settings=None, username=None):
        self.server, self.api = server, api
        self.pool = api.create_user_pool(v.CreateUserPoolRequest(
            name=f"oidc-{uuid.uuid4().hex[:8]}", **(pool_settings or {})))
        self.issuer = f"{server.url}/userpool/{self.pool.uid}"
        self.discovery = requests.get(f"{self.issuer}/.well-known/openid-configuration").json()
        self.username = username or f"user{uuid.uuid4().hex[:6]}"
        self.user = api.create_user(v.CreateUserRequest(
            user_pool_uid=self.pool.uid, preferred_username=self.username, password=secret(PASSWORD),
            email=f"{self.username}@example.test", name="Test User"))
        api.update_user(v.UpdateUserRequest(user_pool_uid=self.pool.uid, user_uid=self.user.uid,
                                            user_state="CONFIRMED"))
        self.client = api.create_user_pool_client(v.CreateUserPoolClientRequest(
            user_pool_uid=self.pool.uid, name="app", client_type=client_type,
            allowed_callback_urls=[CALLBACK]))
        if self.client.client_secret:
            secret(self.client.client_secret)
        api.update_user_pool_client(v.UpdateUserPoolClientRequest(
            user_pool_uid=self.pool.uid, client_uid=self.client.uid, allowed_logout_urls=[LOGOUT]))

    def oauth(self, **kwargs):
        return OAuth2Session(self.client.uid, self.client.client_secret or None, scope="openid profile email",
                             redirect_uri=CALLBACK, code_challenge_method="S256", **kwargs)

    def jwks(self):
        return KeySet.import_key_set(requests.get(self.discovery["jwks_uri"]).json())

    def start(self, browser, oauth, **extra):
        """Opens the authorization URL; returns (page response, verifier, nonce, state)."""
        verifier = pysecrets.token_urlsafe(48)
        nonce = pysecrets.token_urlsafe(16)
        url, state = oauth.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra)
        return browser.get(url, allow_redirects=False), verifier, nonce, state

    def sign_in(self, browser, page, username=None, password=PASSWORD):
        form = Form(page.text)
        assert form.action and "csrf_token" in form.fields and "request" in form.fields
        data = dict(form.fields, username=username or self.username, password=password)
        return browser.post(form.action, data=data, allow_redirects=False)

    def code_flow(self, browser=None):
        """The whole authorization code + PKCE flow; returns (oauth session, token, nonce)."""
        browser = browser or requests.Session()
        oauth = self.oauth()
        page, verifier, nonce, state = self.start(browser, oauth)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
        back = self.sign_in(browser, page)
        assert back.status_code == 303, back.text
        location = back.headers["Location"]
        assert location.startswith(CALLBACK + "?")
        q = query_of(location)
        assert q["state"] == state and q["iss"] == self.issuer
        token = oauth.fetch_token(self.discovery["token_endpoint"], authorization_response=location,
                                  code_verifier=verifier)
        return oauth, token, nonce


def validate_id_token(p, token, nonce):
    decoded = jwt.decode(token["id_token"], p.jwks())
    assert decoded.header["alg"] == "ES256" and decoded.header["kid"]
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": p.issuer},
        aud={"essential": True, "value": p.client.uid},
        sub={"essential": True, "value": p.user.uid},
        nonce={"essential": True, "value": nonce},
    ).validate(decoded.claims)
    return decoded.claims


def test_discovery_document(server, api):
    p = Provider(server, api)
    d = p.discovery
    assert d["issuer"] == p.issuer
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                "revocation_endpoint", "introspection_endpoint", "end_session_endpoint"):
        assert d[key].startswith(p.issuer + "/"), key
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert d["id_token_signing_alg_values_supported"] == ["ES256"]
    keys = requests.get(d["jwks_uri"]).json()["keys"]
    assert keys and all(k["kty"] == "EC" and k["crv"] == "P-256" and k["kid"] and "d" not in k for k in keys)
    wk = api.list_user_pool_well_known_endpoints(v.ListUserPoolWellKnownEndpointsRequest(user_pool_uids=[p.pool.uid]))
    assert wk.data[0].issuer_url == d["issuer"] and wk.data[0].token_endpoint == d["token_endpoint"]
    assert wk.data[0].jwks_uri == d["jwks_uri"]
    got = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=p.pool.uid))
    assert got.issuer_url == p.issuer and got.discovery_url.endswith("/.well-known/openid-configuration")
    assert requests.get(f"{server.url}/userpool/nope/.well-known/openid-configuration").status_code == 404


def test_code_flow_with_pkce_id_token_refresh_userinfo_revoke(server, api):
    p = Provider(server, api)
    oauth, token, nonce = p.code_flow()
    claims = validate_id_token(p, token, nonce)
    assert claims["preferred_username"] == p.username and claims["email"] == f"{p.username}@example.test"
    assert token["token_type"].lower() == "bearer" and token["expires_in"] > 0

    info = oauth.get(p.discovery["userinfo_endpoint"]).json()
    assert info["sub"] == p.user.uid and info["email"] == f"{p.username}@example.test"

    first_refresh = token["refresh_token"]
    refreshed = oauth.refresh_token(p.discovery["token_endpoint"], refresh_token=first_refresh)
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != first_refresh, "refresh tokens rotate"
    jwt.decode(refreshed["id_token"], p.jwks())

    # Reusing the spent token is refused and revokes the whole family, the new token included.
    reuse = requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": first_refresh},
        auth=(p.client.uid, p.client.client_secret))
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    again = requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]},
        auth=(p.client.uid, p.client.client_secret))
    assert again.json()["error"] == "invalid_grant"

    # Revocation (RFC 7009) of an access token: userinfo stops answering; introspection says inactive.
    _, token2, _ = p.code_flow()
    r = oauth.revoke_token(p.discovery["revocation_endpoint"], token=token2["access_token"],
                           token_type_hint="access_token")
    assert r.status_code == 200
    denied = requests.get(p.discovery["userinfo_endpoint"],
                          headers={"Authorization": f"Bearer {token2['access_token']}"})
    assert denied.status_code == 401 and "invalid_token" in denied.headers["WWW-Authenticate"]
    intro = requests.post(p.discovery["introspection_endpoint"], data={"token": token2["access_token"]},
                          auth=(p.client.uid, p.client.client_secret)).json()
    assert intro == {"active": False}
    # Revoking a refresh token ends its grant.
    r = oauth.revoke_token(p.discovery["revocation_endpoint"], token=token2["refresh_token"],
                           token_type_hint="refresh_token")
    assert r.status_code == 200
    gone = requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": token2["refresh_token"]},
        auth=(p.client.uid, p.client.client_secret))
    assert gone.json()["error"] == "invalid_grant"


def test_introspection_and_single_use_codes(server, api):
    p = Provider(server, api)
    browser = requests.Session()
    oauth = p.oauth()
    page, verifier, _, _ = p.start(browser, oauth)
    location = p.sign_in(browser, page).headers["Location"]
    code = query_of(location)["code"]
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    auth = (p.client.uid, p.client.client_secret)
    ok = requests.post(p.discovery["token_endpoint"], data=body, auth=auth)
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"
    tokens = ok.json()
    intro = requests.post(p.discovery["introspection_endpoint"], data={"token": tokens["access_token"]},
                          auth=auth).json()
    assert intro["active"] is True and intro["sub"] == p.user.uid and intro["client_id"] == p.client.uid
    assert intro["username"] == p.username
    intro = requests.post(p.discovery["introspection_endpoint"], data={"token": tokens["refresh_token"]},
                          auth=auth).json()
    assert intro["active"] is True and intro["token_type"] == "refresh_token"
    assert requests.post(p.discovery["introspection_endpoint"], data={"token": "garbage"},
                         auth=auth).json() == {"active": False}
    # Client authentication: post body works too; a wrong secret is invalid_client with a Basic challenge.
    post = requests.post(p.discovery["introspection_endpoint"],
                         data={"token": tokens["access_token"], "client_id": p.client.uid,
                               "client_secret": p.client.client_secret}).json()
    assert post["active"] is True
    bad = requests.post(p.discovery["introspection_endpoint"], data={"token": "x"}, auth=(p.client.uid, "wrong"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert bad.headers["WWW-Authenticate"].startswith("Basic")
    # A code is single-use; using it again revokes the tokens it was exchanged for (RFC 6749 §4.1.2).
    replay = requests.post(p.discovery["token_endpoint"], data=body, auth=auth)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    for token in (tokens["access_token"], tokens["refresh_token"]):
        intro = requests.post(p.discovery["introspection_endpoint"], data={"token": token}, auth=auth).json()
        assert intro == {"active": False}


def test_pkce_is_checked_and_required_for_public_clients(server, api):
    p = Provider(server, api, client_type="SINGLE_PAGE_APPLICATION")
    assert p.client.client_secret in (None, "")
    oauth, token, nonce = p.code_flow()
    validate_id_token(p, token, nonce)
    # Without PKCE: an error sent back to the registered redirect URI.
    browser = requests.Session()
    r = browser.get(p.discovery["authorization_endpoint"], params={
        "response_type": "code", "client_id": p.client.uid, "redirect_uri": CALLBACK,
        "scope": "openid", "state": "s1"}, allow_redirects=False)
    assert r.status_code == 303
    q = query_of(r.headers["Location"])
    assert q["error"] == "invalid_request" and q["state"] == "s1" and "PKCE" in q["error_description"]
    # plain is refused.
    r = browser.get(p.discovery["authorization_endpoint"], params={
        "response_type": "code", "client_id": p.client.uid, "redirect_uri": CALLBACK,
        "code_challenge": "a" * 43, "code_challenge_method": "plain"}, allow_redirects=False)
    assert query_of(r.headers["Location"])["error"] == "invalid_request"
    # A wrong verifier fails at the token endpoint.
    page, _, _, _ = p.start(browser, oauth)
    code = query_of(p.sign_in(browser, page).headers["Location"])["code"]
    bad = requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": p.client.uid, "code_verifier": pysecrets.token_urlsafe(48)})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_authorization_errors_never_redirect_to_unregistered_uris(server, api):
    p = Provider(server, api)
    ep = p.discovery["authorization_endpoint"]
    for params in (
        {"response_type": "code", "client_id": p.client.uid, "redirect_uri": "https://evil.test/cb"},
        {"response_type": "code", "client_id": p.client.uid, "redirect_uri": CALLBACK + "/x"},
        {"response_type": "code", "client_id": "no-such-client", "redirect_uri": CALLBACK},
        {"response_type": "code", "redirect_uri": CALLBACK},
    ):
        r = requests.get(ep, params=params, allow_redirects=False)
        assert r.status_code in (400, 404) and "Location" not in r.headers, params
    r = requests.get(ep, params={"response_type": "token", "client_id": p.client.uid, "redirect_uri": CALLBACK,
                                 "state": "xyz"}, allow_redirects=False)
    q = query_of(r.headers["Location"])
    assert q["error"] == "unsupported_response_type" and q["state"] == "xyz" and q["iss"] == p.issuer
    r = requests.get(ep, params={"response_type": "code", "client_id": p.client.uid, "redirect_uri": CALLBACK,
                                 "prompt": "none"}, allow_redirects=False)
    assert query_of(r.headers["Location"])["error"] == "login_required"


def test_hosted_page_csrf_generic_errors_and_lockout(server, api):
    p = Provider(server, api)
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    form = Form(page.text)
    # A post without the CSRF cookie (another site's form) is refused.
    forged = requests.post(form.action, data=dict(form.fields, username=p.username, password=PASSWORD),
                           allow_redirects=False)
    assert forged.status_code == 403 and "Location" not in forged.headers
    # Unknown user and wrong password look the same.
    unknown = p.sign_in(browser, page, username="nobody-here")
    wrong = p.sign_in(browser, page, password="not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Incorrect user name or password." in unknown.text and "Incorrect user name or password." in wrong.text
    for _ in range(4):
        p.sign_in(browser, page, password="still wrong")
    got = api.get_user(v.GetUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid))
    assert got.user_state == "LOCKED"
    ak, sk = server.new_key(pool=p.pool.uid)
    assert Eiam(server, ak, sk)("DescribeUserInfo", UserId=p.user.uid)["Status"] == "LOCKED"
    # Locked for a while: the right password gets the same answer as a wrong one (429).
    locked = p.sign_in(browser, page)
    assert locked.status_code == 429 and "Location" not in locked.headers and int(locked.headers["Retry-After"]) > 0
    assert p.sign_in(browser, page, password="wrong again").status_code == 429
    # An administrator unlocks; the user signs in and the counters move.
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state="CONFIRMED"))
    before = api.get_user(v.GetUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid))
    p.code_flow()
    after = api.get_user(v.GetUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid))
    assert (after.num_logins or 0) == (before.num_logins or 0) + 1 and after.latest_login


def test_states_that_cannot_sign_in(server, api):
    p = Provider(server, api)
    browser = requests.Session()
    for state in ("DISABLED", "UNCONFIRMED"):
        api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state=state))
        page, _, _, _ = p.start(browser, p.oauth())
        r = p.sign_in(browser, page)
        assert r.status_code == 401 and "Location" not in r.headers, state
    # The pool may let unconfirmed users in.
    api.update_user_pool(v.UpdateUserPoolRequest(user_pool_uid=p.pool.uid, unconfirmed_user_sign_in_enabled=True))
    p.code_flow()


def test_login_hint_fills_in_the_identifier(server, api):
    p = Provider(server, api)
    page, _, _, _ = p.start(requests.Session(), p.oauth(), login_hint="hinted-name")
    assert Form(page.text).fields["username"] == "hinted-name"


def test_sign_in_with_email_when_the_pool_allows_it(server, api):
    p = Provider(server, api, pool_settings={"sign_in_attributes": ["preferred_username", "email"]})
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    r = p.sign_in(browser, page, username=f"{p.username.upper()}@EXAMPLE.TEST")
    assert r.status_code == 303 and "code=" in r.headers["Location"]


def test_session_single_sign_on_and_logout(server, api):
    p = Provider(server, api)
    browser = requests.Session()
    oauth, token, _ = p.code_flow(browser)
    # A second authorization in the same browser needs no password.
    r, _, _, _ = p.start(browser, p.oauth())
    assert r.status_code == 303 and "code=" in r.headers["Location"]
    # max_age=0 asks for a fresh sign-in even with a session.
    r, _, _, _ = p.start(browser, p.oauth(), max_age="0")
    assert r.status_code == 200 and "password" in r.text
    out = browser.get(p.discovery["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": LOGOUT, "state": "bye"},
        allow_redirects=False)
    assert out.status_code == 303 and out.headers["Location"] == LOGOUT + "?state=bye"
    # Signed out: the session's refresh token is revoked and the next authorization shows the form.
    gone = requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(p.client.uid, p.client.client_secret))
    assert gone.json()["error"] == "invalid_grant"
    r, _, _, _ = p.start(browser, p.oauth())
    assert r.status_code == 200 and "password" in r.text
    # An unregistered post-logout URI is not followed.
    bad = browser.get(p.discovery["end_session_endpoint"], params={
        "client_id": p.client.uid, "post_logout_redirect_uri": "https://evil.test/"}, allow_redirects=False)
    assert bad.status_code == 400 and "Location" not in bad.headers


def test_force_change_password_on_the_hosted_page(server, api):
    p = Provider(server, api)
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid,
                                        user_state="FORCE_CHANGE_PASSWORD"))
    browser = requests.Session()
    page, verifier, _, _ = p.start(browser, p.oauth())
    change = p.sign_in(browser, page)
    assert change.status_code == 200 and 'name="new_password"' in change.text
    form = Form(change.text)
    new_password = secret("a brand new passphrase 42")
    done = browser.post(form.action, data=dict(form.fields, new_password=new_password), allow_redirects=False)
    assert done.status_code == 303 and "code=" in done.headers["Location"]
    got = api.get_user(v.GetUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid))
    assert got.user_state == "CONFIRMED"


def test_self_sign_up(server, api):
    p = Provider(server, api, pool_settings={"self_sign_up_enabled": True, "sign_up_auto_verification_enabled": True})
    browser = requests.Session()
    page, verifier, _, _ = p.start(browser, p.oauth())
    link = page.text.split('href="')[1].split('"')[0]
    signup = browser.get(link.replace("&amp;", "&"))
    assert signup.status_code == 200
    form = Form(signup.text)
    name = f"new{uuid.uuid4().hex[:6]}"
    r = browser.post(form.action, data=dict(form.fields, username=name, email=f"{name}@example.test",
                                            password=secret("sign me up please 7")), allow_redirects=False)
    assert r.status_code == 303 and "code=" in r.headers["Location"]
    users = api.list_users(v.ListUsersRequest(user_pool_uid=p.pool.uid, page_number=1, page_size=10))
    assert name in [u.preferred_username for u in users.data]
    # Off by default: no sign-up page.
    q = Provider(server, api)
    assert requests.get(f"{q.issuer}/signup").status_code == 404


def test_client_credentials_for_machine_clients(server, api):
    p = Provider(server, api, client_type="MACHINE_TO_MACHINE")
    oauth = OAuth2Session(p.client.uid, p.client.client_secret, scope="orders:read orders:write")
    token = oauth.fetch_token(p.discovery["token_endpoint"], grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], p.jwks()).claims
    assert claims["sub"] == p.client.uid and claims["scope"] == "orders:read orders:write"
    assert "refresh_token" not in token and "id_token" not in token
    # Other clients may not use it; machine clients may not sign users in.
    web = Provider(server, api)
    r = requests.post(web.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                      auth=(web.client.uid, web.client.client_secret))
    assert r.json()["error"] == "unauthorized_client"
    r = requests.post(p.discovery["token_endpoint"], data={"grant_type": "password"},
                      auth=(p.client.uid, p.client.client_secret))
    assert r.json()["error"] == "unsupported_grant_type"
    r = requests.post(p.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                      auth=(p.client.uid, "wrong"))
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_signing_keys_rotate_without_breaking_issued_tokens(server, api):
    p = Provider(server, api, client_type="MACHINE_TO_MACHINE")
    auth = (p.client.uid, p.client.client_secret)
    old = requests.post(p.discovery["token_endpoint"], data={"grant_type": "client_credentials"}, auth=auth).json()
    old_kid = jwt.decode(old["access_token"], p.jwks()).header["kid"]
    rotated = server.cli("signing-key", "rotate", "--pool", p.pool.uid)
    assert rotated["Kid"] != old_kid
    server.stop()
    server.start()
    new = requests.post(p.discovery["token_endpoint"], data={"grant_type": "client_credentials"}, auth=auth).json()
    keys = p.jwks()
    assert jwt.decode(new["access_token"], keys).header["kid"] == rotated["Kid"]
    jwt.decode(old["access_token"], keys)  # still verifies: the retired key stays published
    intro = requests.post(p.discovery["introspection_endpoint"], data={"token": old["access_token"]}, auth=auth)
    assert intro.json()["active"] is True


def secret_hash(client_secret, username, client_id):
    mac = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def test_initiate_auth(server, api):
    p = Provider(server, api)
    url = f"{p.issuer}/api/v1/InitiateAuth"
    params = {"USERNAME": p.username, "PASSWORD": PASSWORD,
              "SECRET_HASH": secret_hash(p.client.client_secret, p.username, p.client.uid)}
    r = requests.post(url, json={"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params, "ClientId": p.client.uid})
    assert r.status_code == 200, r.text
    result = r.json()["Result"]["AuthenticationResult"]
    assert result["ExpiresIn"] > 0 and result["RefreshToken"]
    claims = jwt.decode(result["IdToken"], p.jwks()).claims
    assert claims["sub"] == p.user.uid and claims["aud"] == p.client.uid
    r = requests.post(url, json={"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": p.client.uid, "AuthParameters": {
        "REFRESH_TOKEN": result["RefreshToken"], "USERNAME": p.username,
        "SECRET_HASH": secret_hash(p.client.client_secret, p.username, p.client.uid)}})
    assert r.status_code == 200 and r.json()["Result"]["AuthenticationResult"]["AccessToken"]

    def code(body):
        resp = requests.post(url, json=body)
        return resp.status_code, resp.json()["ResponseMetadata"]["Error"]["Code"]

    base = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": p.client.uid}
    assert code(dict(base, AuthParameters={"USERNAME": p.username, "PASSWORD": PASSWORD})) == \
        (400, "MissingParameter.SECRET_HASH")
    assert code(dict(base, AuthParameters=dict(params, SECRET_HASH="AAAA"))) == (400, "NotAuthorized")
    assert code(dict(base, AuthParameters=dict(params, PASSWORD="wrong password!"))) == (400, "NotAuthorized")
    assert code(dict(base, AuthFlow="CUSTOM_AUTH", AuthParameters=params)) == (400, "InvalidParameter.AuthFlow")
    assert code({"AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params}) == (400, "MissingParameter.ClientId")
    bad_json = requests.post(url, data=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400


def test_bad_input_never_breaks_the_provider(server, api):
    p = Provider(server, api)
    ep = p.discovery
    junk = ["", "%", "a" * 10000, "\x00", "{}", "code=1&code=2"]
    for body in junk:
        for url in (ep["token_endpoint"], ep["revocation_endpoint"], ep["introspection_endpoint"]):
            r = requests.post(url, data=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert 400 <= r.status_code < 500, (url, body, r.status_code)
        if body.isprintable():
            r = requests.get(ep["userinfo_endpoint"], headers={"Authorization": f"Bearer {body or 'x'}"})
            assert r.status_code == 401, (body, r.status_code)
    r = requests.post(ep["token_endpoint"], data={"grant_type": "authorization_code", "code": "x",
                                                  "client_id": p.client.uid, "client_id ": "y"},
                      auth=(p.client.uid, p.client.client_secret))
    assert r.status_code == 400
    dup = requests.post(ep["token_endpoint"], data=b"grant_type=client_credentials&grant_type=client_credentials",
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                        auth=(p.client.uid, p.client.client_secret))
    assert dup.json()["error"] == "invalid_request"
