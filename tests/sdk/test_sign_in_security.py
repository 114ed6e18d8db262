"""Sign-in as an attacker tries it: racing refreshes and revocations, replayed forms and codes,
guessing passwords and secrets, stolen tokens after a credential change, another client's
tokens, sign-out links planted on other sites. Each test names the requirement it enforces."""

import base64
import tempfile
import threading
import time
import uuid

import pytest
import requests
import volcenginesdkid as v

from conftest import secret, start_server
from test_oidc import CALLBACK, PASSWORD, Form, Provider, query_of
from test_tencent import Eiam


def refresh(p, token):
    return requests.post(p.discovery["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": token}, auth=(p.client.uid, p.client.client_secret),
        timeout=30)


def userinfo(p, access):
    return requests.get(p.discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {access}"}, timeout=30)


def introspect(p, token, auth=None):
    return requests.post(p.discovery["introspection_endpoint"], data={"token": token},
                         auth=auth or (p.client.uid, p.client.client_secret), timeout=30).json()


def together(calls):
    """Runs the calls at once (threads released together); their results in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_racing_refreshes_leave_no_token_alive(server, api):
    """RFC 9700 §4.14.2 / OAuth 2.1 §4.3.1: reuse of a rotated refresh token revokes the grant —
    also when the reuse races the legitimate refresh."""
    p = Provider(server, api)
    for _ in range(3):
        _, token, _ = p.code_flow()
        answers = together([lambda: refresh(p, token["refresh_token"]) for _ in range(12)])
        won = [a for a in answers if a.status_code == 200]
        assert len(won) == 1, [a.status_code for a in answers]
        assert all(a.json()["error"] == "invalid_grant" for a in answers if a.status_code != 200)
        new = won[0].json()
        assert refresh(p, new["refresh_token"]).json()["error"] == "invalid_grant"
        assert userinfo(p, new["access_token"]).status_code == 401
        assert introspect(p, new["access_token"]) == {"active": False}


def test_a_revocation_racing_a_refresh_leaves_nothing_alive(server, api):
    """RFC 7009 §2.1: revoking a refresh token ends its grant, whatever refresh runs beside it."""
    p = Provider(server, api)
    for _ in range(4):
        _, token, _ = p.code_flow()
        revoke = lambda: requests.post(p.discovery["revocation_endpoint"], data={  # noqa: E731
            "token": token["refresh_token"]}, auth=(p.client.uid, p.client.client_secret), timeout=30)
        refreshed, revoked = together([lambda: refresh(p, token["refresh_token"]), revoke])
        assert revoked.status_code == 200
        if refreshed.status_code == 200:
            new = refreshed.json()
            assert refresh(p, new["refresh_token"]).json()["error"] == "invalid_grant"
            assert userinfo(p, new["access_token"]).status_code == 401
        assert refresh(p, token["refresh_token"]).json()["error"] == "invalid_grant"


def forced_change_page(p, browser):
    page, verifier, _, _ = p.start(browser, p.oauth())
    change = p.sign_in(browser, page)
    assert change.status_code == 200 and 'name="new_password"' in change.text
    return Form(change.text), verifier


def test_the_forced_password_change_form_works_once(server, api):
    """ASVS 4.0 V2.5.? / V3.x: a sign-in step is single-use and bound to the user's state — a
    captured "choose a new password" form cannot set a password after the user did."""
    p = Provider(server, api)
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid,
                                        user_state="FORCE_CHANGE_PASSWORD"))
    browser = requests.Session()
    form, _ = forced_change_page(p, browser)
    captured = (dict(form.fields), dict(browser.cookies))
    mine = secret("the owner's new passphrase 1")
    done = browser.post(form.action, data=dict(form.fields, new_password=mine), allow_redirects=False)
    assert done.status_code == 303 and "code=" in done.headers["Location"]
    theirs = secret("the attacker's passphrase 9")
    replay = requests.post(form.action, data=dict(captured[0], new_password=theirs), cookies=captured[1],
                           allow_redirects=False)
    assert replay.status_code == 400 and "Location" not in replay.headers
    # The owner's password works, the attacker's does not.
    assert sign_in_once(p, password=theirs).status_code == 401
    assert sign_in_once(p, password=mine).status_code == 303


def test_the_forced_password_change_form_dies_with_the_account(server, api):
    p = Provider(server, api)
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid,
                                        user_state="FORCE_CHANGE_PASSWORD"))
    browser = requests.Session()
    form, _ = forced_change_page(p, browser)
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state="DISABLED"))
    r = browser.post(form.action, data=dict(form.fields, new_password=secret("too late passphrase 3")),
                     allow_redirects=False)
    assert r.status_code == 400 and "Location" not in r.headers
    # An administrator re-enabling and forcing a change again does not revive the old form.
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid,
                                        user_state="FORCE_CHANGE_PASSWORD"))
    r = browser.post(form.action, data=dict(form.fields, new_password=secret("too late passphrase 4")),
                     allow_redirects=False)
    assert r.status_code == 400


def sign_in_once(p, username=None, password=PASSWORD):
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    return p.sign_in(browser, page, username=username, password=password)


def initiate(p, username, password):
    return requests.post(f"{p.issuer}/api/v1/InitiateAuth", json={
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": p.client.uid,
        "AuthParameters": {"USERNAME": username, "PASSWORD": password}}, timeout=30)


def test_users_who_may_not_sign_in_get_one_answer_whatever_the_password(server, api):
    """OWASP Authentication Cheat Sheet, ASVS 4.0 V2.2.1: the answer tells nothing about the
    password of a disabled or administratively locked account."""
    for state in ("DISABLED", "LOCKED", "UNCONFIRMED"):
        p = Provider(server, api, client_type="SINGLE_PAGE_APPLICATION")
        api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state=state))
        right, wrong = sign_in_once(p), sign_in_once(p, password="not the password")
        assert right.status_code == wrong.status_code == 401, state
        assert "Incorrect user name or password." in right.text, state
        assert "Incorrect user name or password." in wrong.text, state
        right, wrong = initiate(p, p.username, PASSWORD), initiate(p, p.username, "not the password")
        assert right.status_code == wrong.status_code == 400, state
        assert right.json()["ResponseMetadata"]["Error"] == wrong.json()["ResponseMetadata"]["Error"], state


def test_a_locked_identifier_answers_alike_known_or_not(server, api):
    """NIST SP 800-63B §5.2.2 rate limiting; no account enumeration through lockout."""
    p = Provider(server, api)
    answers = {}
    for name in (p.username, f"nobody-{uuid.uuid4().hex[:6]}"):
        for _ in range(5):
            assert sign_in_once(p, username=name, password="wrong password").status_code == 401
        locked = sign_in_once(p, username=name, password=PASSWORD)
        assert locked.status_code == 429 and "Location" not in locked.headers
        answers[name] = (locked.status_code, int(locked.headers["Retry-After"]) // 10,
                         "Too many failed sign-in attempts" in locked.text)
    assert len(set(answers.values())) == 1, answers


@pytest.fixture
def quick_lockout():
    env = {"IDPLANE_LOCKOUT_BASE_SECONDS": "2", "IDPLANE_LOCKOUT_MAX_SECONDS": "4",
           "IDPLANE_LOCKOUT_THRESHOLD": "3", "IDPLANE_LOCKOUT_MAX_FAILURES": "7"}
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        yield s
        s.stop()


def test_lockout_is_timed_grows_and_an_administrator_can_lift_it(quick_lockout):
    """NIST SP 800-63B §5.2.2: a lock expires by itself, growing with each further failure; the
    count ends after max_failures, when only an administrator unlocks."""
    api = quick_lockout.api()
    p = Provider(quick_lockout, api)
    for _ in range(3):
        assert sign_in_once(p, password="wrong password").status_code == 401
    r = sign_in_once(p)
    assert r.status_code == 429 and r.headers["Retry-After"] in ("1", "2")
    assert api.get_user(v.GetUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid)).user_state == "LOCKED"
    time.sleep(2.2)
    assert sign_in_once(p, password="wrong password").status_code == 401
    r = sign_in_once(p)
    assert r.status_code == 429 and r.headers["Retry-After"] in ("3", "4"), "the lock doubled"
    # An administrator lifts it at once.
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state="CONFIRMED"))
    assert sign_in_once(p).status_code == 303
    # After max_failures in a row the lock waits for an administrator.
    for n in range(7):
        if n and n >= 3:
            time.sleep(4.1 if n > 3 else 2.1)
        assert sign_in_once(p, password="wrong password").status_code == 401
    time.sleep(4.2)
    r = sign_in_once(p)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 3600
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state="CONFIRMED"))
    assert sign_in_once(p).status_code == 303


def test_initiate_auth_is_locked_out_too(server, api):
    p = Provider(server, api, client_type="SINGLE_PAGE_APPLICATION")
    for _ in range(5):
        assert initiate(p, p.username, "wrong password").json()["ResponseMetadata"]["Error"]["Code"] == "NotAuthorized"
    r = initiate(p, p.username, PASSWORD)
    assert r.status_code == 429 and r.json()["ResponseMetadata"]["Error"]["Code"] == "Throttling"
    assert int(r.headers["Retry-After"]) > 0


@pytest.fixture
def tight_throttle():
    env = {"IDPLANE_THROTTLE_ADDRESS_BURST": "6", "IDPLANE_THROTTLE_ADDRESS_PER_MINUTE": "1",
           "IDPLANE_THROTTLE_CLIENT_BURST": "4", "IDPLANE_THROTTLE_CLIENT_PER_MINUTE": "1"}
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        yield s
        s.stop()


def test_failed_client_authentication_is_throttled_by_address(tight_throttle):
    """ASVS 4.0 V2.2.1: failed authentications from one address are limited; 429 with
    Retry-After in the OAuth error format. A spoofed X-Forwarded-For changes nothing unless a
    trusted proxy header is configured."""
    p = Provider(tight_throttle, tight_throttle.api(), client_type="MACHINE_TO_MACHINE")
    other = Provider(tight_throttle, tight_throttle.api(), client_type="MACHINE_TO_MACHINE")
    url = p.discovery["token_endpoint"]
    for n in range(6):
        r = requests.post(url, data={"grant_type": "client_credentials"}, auth=(other.client.uid, f"wrong{n}"),
                          headers={"X-Forwarded-For": f"198.51.100.{n}"})
        assert r.status_code in (401, 429)
    r = requests.post(url, data={"grant_type": "client_credentials"}, auth=(p.client.uid, p.client.client_secret))
    assert r.status_code == 429 and r.json()["error"] == "slow_down" and int(r.headers["Retry-After"]) > 0


def test_successful_requests_are_never_slowed(tight_throttle):
    p = Provider(tight_throttle, tight_throttle.api(), client_type="MACHINE_TO_MACHINE")
    for _ in range(40):
        r = requests.post(p.discovery["token_endpoint"], data={"grant_type": "client_credentials"},
                          auth=(p.client.uid, p.client.client_secret))
        assert r.status_code == 200


@pytest.fixture
def behind_proxy():
    env = {"IDPLANE_THROTTLE_ADDRESS_BURST": "3", "IDPLANE_THROTTLE_ADDRESS_PER_MINUTE": "1",
           "IDPLANE_THROTTLE_CLIENT_BURST": "5", "IDPLANE_THROTTLE_CLIENT_PER_MINUTE": "1",
           "IDPLANE_TRUSTED_PROXY_HEADER": "X-Forwarded-For", "IDPLANE_TRUSTED_PROXIES": "127.0.0.1"}
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        yield s
        s.stop()


def test_addresses_from_a_trusted_proxy_and_client_secret_guessing(behind_proxy):
    """Behind a configured proxy each client address has its own budget; a client's secret
    guessed from many addresses is throttled per client."""
    p = Provider(behind_proxy, behind_proxy.api(), client_type="MACHINE_TO_MACHINE")
    url = p.discovery["token_endpoint"]

    def attempt(address, secret_):
        return requests.post(url, data={"grant_type": "client_credentials"}, auth=(p.client.uid, secret_),
                             headers={"X-Forwarded-For": f"203.0.113.7, {address}"})

    for n in range(3):
        assert attempt("198.51.100.1", f"wrong{n}").status_code == 401
    assert attempt("198.51.100.1", p.client.client_secret).status_code == 429
    assert attempt("198.51.100.2", p.client.client_secret).status_code == 200, "another address is unaffected"
    for n in range(2):
        assert attempt(f"198.51.100.{10 + n}", "wrong").status_code == 401
    r = attempt("198.51.100.20", p.client.client_secret)
    assert r.status_code == 429 and r.json()["error"] == "slow_down", "five wrong secrets: the client waits"


def test_every_data_plane_failure_counts(tight_throttle):
    api = tight_throttle.api()
    p = Provider(tight_throttle, api)
    for n in range(6):
        userinfo(p, f"not-a-token-{n}")
    assert userinfo(p, "x").status_code == 429
    r = sign_in_once(p)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def sign_in_everywhere(p):
    """A browser with a session, an access token and a refresh token."""
    browser = requests.Session()
    _, token, _ = p.code_flow(browser)
    return browser, token


def assert_access_ended(p, browser, token):
    assert refresh(p, token["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(p, token["access_token"]).status_code == 401
    assert introspect(p, token["access_token"]) == {"active": False}
    assert introspect(p, token["refresh_token"]) == {"active": False}
    page, _, _, _ = p.start(browser, p.oauth())
    assert page.status_code == 200 and 'name="password"' in page.text, "the SSO session ended"


@pytest.mark.parametrize("change", ["password", "DISABLED", "LOCKED", "FORCE_CHANGE_PASSWORD", "eiam-password",
                                    "delete"])
def test_credential_and_state_changes_end_access_at_once(server, api, change):
    """ASVS 4.0 V3.3.3 / V2.1.? : after a password change or a disabled account, existing
    sessions and tokens stop working."""
    p = Provider(server, api)
    browser, token = sign_in_everywhere(p)
    assert userinfo(p, token["access_token"]).status_code == 200
    if change == "password":
        api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid,
                                            password=secret("administrator set this 12")))
    elif change == "eiam-password":
        ak, sk = server.new_key(pool=p.pool.uid)
        Eiam(server, ak, sk)("ModifyUserInfo", UserId=p.user.uid, Password=secret("eiam set this passphrase"))
    elif change == "delete":
        api.delete_users(v.DeleteUsersRequest(user_pool_uid=p.pool.uid, user_uids=[p.user.uid]))
    else:
        api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, user_state=change))
    assert_access_ended(p, browser, token)


def test_profile_changes_leave_access_alone(server, api):
    p = Provider(server, api)
    browser, token = sign_in_everywhere(p)
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, nickname="Nick"))
    assert userinfo(p, token["access_token"]).status_code == 200
    assert refresh(p, token["refresh_token"]).status_code == 200


def test_a_client_introspects_only_its_own_tokens(server, api):
    """RFC 7662 §4: the server tells only a token's audience about it."""
    p = Provider(server, api)
    _, token, _ = p.code_flow()
    other = api.create_user_pool_client(v.CreateUserPoolClientRequest(
        user_pool_uid=p.pool.uid, name="other", client_type="WEB_APPLICATION", allowed_callback_urls=[CALLBACK]))
    secret(other.client_secret)
    for t in (token["access_token"], token["refresh_token"]):
        assert introspect(p, t, auth=(other.uid, other.client_secret)) == {"active": False}
        assert introspect(p, t)["active"] is True


def test_sign_out_without_an_id_token_hint_asks_first(server, api):
    """OIDC RP-Initiated Logout §2: without a valid id_token_hint the user confirms; a link on
    another site cannot sign anyone out."""
    p = Provider(server, api)
    browser, token = sign_in_everywhere(p)
    end = p.discovery["end_session_endpoint"]
    asked = browser.get(end, params={"client_id": p.client.uid,
                                     "post_logout_redirect_uri": "https://app.example.test/signed-out",
                                     "state": "s9"}, allow_redirects=False)
    assert asked.status_code == 200 and "Sign out" in asked.text
    page, _, _, _ = p.start(browser, p.oauth())
    assert page.status_code == 303, "still signed in until confirmed"
    form = Form(asked.text)
    forged = requests.post(form.action, data=form.fields, allow_redirects=False, cookies={
        k: v_ for k, v_ in browser.cookies.items() if k != "idp_csrf"})
    assert forged.status_code == 200 and "Sign out" in forged.text, "no CSRF cookie: asked again"
    page, _, _, _ = p.start(browser, p.oauth())
    assert page.status_code == 303
    done = browser.post(form.action, data=form.fields, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "https://app.example.test/signed-out?state=s9"
    page, _, _, _ = p.start(browser, p.oauth())
    assert page.status_code == 200 and 'name="password"' in page.text
    assert refresh(p, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_sign_out_without_a_session_returns_at_once(server, api):
    p = Provider(server, api)
    r = requests.get(p.discovery["end_session_endpoint"], params={
        "client_id": p.client.uid, "post_logout_redirect_uri": "https://app.example.test/signed-out",
        "state": "s1"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == "https://app.example.test/signed-out?state=s1"


def test_a_high_s_twin_of_a_token_signature_is_refused(server, api):
    """RFC 7518 §3.4 with low-S: a JWS has one valid signature encoding."""
    p = Provider(server, api)
    _, token, _ = p.code_flow()
    head, body, sig = token["access_token"].split(".")
    raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    twin = base64.urlsafe_b64encode(r + (n - s).to_bytes(32, "big")).rstrip(b"=").decode()
    assert userinfo(p, f"{head}.{body}.{sig}").status_code == 200
    assert userinfo(p, f"{head}.{body}.{twin}").status_code == 401
