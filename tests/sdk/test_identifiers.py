"""Sign-in identifiers are unique across user names, e-mail addresses and phone numbers of a pool,
compared as users read them: user names per RFC 8265 (UsernameCaseMapped), e-mail addresses
NFKC-normalised and case-folded, phone numbers in E.164 (OWASP ASVS 4.0 V2.?; the account
takeover by a user name shaped like someone else's e-mail address)."""

import uuid

import pytest
import requests
import volcenginesdkid as v

from conftest import expect_error, secret
from test_oidc import PASSWORD, Form, Provider
from test_tencent import Eiam


def mk(api, pool, **kw):
    return api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, **kw))


def test_a_user_name_cannot_take_someone_elses_e_mail_address(server, api):
    """Self sign-up with `carol@corp.example` as a user name once shadowed Carol's e-mail sign-in."""
    p = Provider(server, api, pool_settings={"self_sign_up_enabled": True, "sign_up_auto_verification_enabled": True,
                                             "sign_in_attributes": ["preferred_username", "email"]})
    carol_email = f"{p.username}@example.test"
    # The attacker signs up with the victim's e-mail address as a user name.
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    link = page.text.split('href="')[1].split('"')[0].replace("&amp;", "&")
    form = Form(browser.get(link).text)
    r = browser.post(form.action, data=dict(form.fields, username=carol_email.upper(),
                                            password=secret("attacker passphrase 77")), allow_redirects=False)
    assert r.status_code == 400 and "already taken" in r.text
    expect_error(409, "Duplicated", mk, api, p.pool, preferred_username=carol_email)
    # Carol signs in with her e-mail address, in any case.
    browser = requests.Session()
    page, _, _, _ = p.start(browser, p.oauth())
    assert p.sign_in(browser, page, username=carol_email.upper()).status_code == 303


@pytest.mark.parametrize("first,second", [
    ("Äpfel@corp.example", "äpfel@corp.example"),
    ("\u212Aelvin@corp.example", "kelvin@corp.example"),
    ("ｃａｒｏｌ@corp.example", "carol@corp.example"),
    ("A\u0308pfel@corp.example", "\u00C4pfel@corp.example"),
])
def test_e_mail_addresses_that_read_alike_are_one(api, pool, first, second):
    mk(api, pool, preferred_username=f"u{uuid.uuid4().hex[:8]}", email=first)
    expect_error(409, "Duplicated", mk, api, pool, preferred_username=f"u{uuid.uuid4().hex[:8]}", email=second)


def test_invisible_characters_are_refused(api, pool):
    expect_error(400, "InvalidParameter.Email", mk, api, pool, email="zero\u200bwidth@corp.example")
    expect_error(400, "InvalidParameter.PreferredUsername", mk, api, pool, preferred_username="zero\u200bwidth")


def test_user_names_compare_per_rfc_8265(api, pool):
    made = mk(api, pool, preferred_username="ＦＵＬＬＷＩＤＴＨ")
    assert made.preferred_username == "FULLWIDTH"
    expect_error(409, "Duplicated", mk, api, pool, preferred_username="fullwidth")


@pytest.mark.parametrize("written", ["+86 138 0000 5555", "+86-138-0000-5555", "+86 (138) 0000.5555"])
def test_phone_numbers_are_stored_in_e164(api, pool, written):
    made = mk(api, pool, preferred_username=f"p{uuid.uuid4().hex[:8]}", phone_number=written)
    assert made.phone_number == "+8613800005555"
    expect_error(409, "Duplicated", mk, api, pool, preferred_username=f"q{uuid.uuid4().hex[:8]}",
                 phone_number="+8613800005555")
    found = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_number=1, page_size=10,
                                              filter=v.FilterForListUsersInput(phone_number="+86-138-0000-5555")))
    assert [u.uid for u in found.data] == [made.uid]
    expect_error(400, "InvalidParameter.PhoneNumber", mk, api, pool, phone_number="13800005555")


def test_eiam_sees_the_same_rules(server, api):
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"ids-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=pool.uid)
    eiam = Eiam(server, ak, sk)
    eiam("CreateUser", UserName="dora", Password="Passw0rd!xyz", Email="Dora@Corp.Example", Phone="+86-13700001111")
    assert eiam.error("CreateUser", UserName="DORA@corp.example", Password="Passw0rd!xyz") == \
        "FailedOperation.UserNameAlreadyExists"
    assert eiam.error("CreateUser", UserName="other", Password="Passw0rd!xyz", Phone="+86 137 0000 1111") == \
        "FailedOperation.UserPhoneAlreadyExists"
    assert eiam("DescribeUserInfo", UserName="ＤＯＲＡ")["UserName"] == "dora"
    listed = eiam("ListUsers", SearchCondition={"Phone": "\"+86-13700001111\""}, IncludeTotal=True)
    assert listed["TotalCount"] == 1 and listed["UserList"][0]["Phone"] == "+86-13700001111"


def test_sign_in_finds_the_one_user_an_identifier_names(server, api):
    p = Provider(server, api, pool_settings={"sign_in_attributes": ["preferred_username", "email", "phone_number"]})
    api.update_user(v.UpdateUserRequest(user_pool_uid=p.pool.uid, user_uid=p.user.uid, phone_number="+8613600001234"))
    for typed in (p.username.upper(), f"{p.username.upper()}@EXAMPLE.TEST", "+86 136 0000 1234", "+86-136-0000-1234"):
        browser = requests.Session()
        page, _, _, _ = p.start(browser, p.oauth())
        assert p.sign_in(browser, page, username=typed, password=PASSWORD).status_code == 303, typed
