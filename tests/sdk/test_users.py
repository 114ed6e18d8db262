"""Users through the official SDK: CRUD, validation, batches and filters (paging: test_paging.py)."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import volcenginesdkcore
import volcenginesdkid as v

from conftest import expect_error, raw_call, raw_error, secret


def mk(api, pool, **fields):
    return api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, **fields))


def test_create_get_update_delete(api, pool):
    api.create_user_pool_custom_attribute(v.CreateUserPoolCustomAttributeRequest(
        user_pool_uid=pool.uid, name="dept", data_type="Number", mutability="ReadWrite"))
    u = mk(api, pool, preferred_username="alice", email="Alice@Example.com", phone_number="+8613800000001",
           name="Alice Liddell", given_name="Alice", family_name="Liddell", nickname="al",
           password="correct horse battery", user_metadata='{"tier": "gold"}', locale="en-GB",
           custom_attributes_to_upsert=[v.CustomAttributesToUpsertForCreateUserInput(name="dept", value="7")])
    assert u.uid and u.sub == u.uid
    assert u.user_state == "UNCONFIRMED"
    assert u.group_uids == [] and u.department_uids == []
    assert u.custom_attributes[0].name == "dept"
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))
    assert got.email == "Alice@Example.com" and got.user_metadata == '{"tier": "gold"}'
    text = json.dumps(got.to_dict())
    assert "correct horse" not in text and "argon2" not in text

    masked = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid,
                                           response_value_mask=v.ResponseValueMaskForGetUserInput(email=True)))
    assert masked.email != got.email and masked.email.endswith("@Example.com")

    upd = api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=u.uid, user_state="confirmed",
                                              nickname="", given_name="Al"))
    assert upd.user_state == "CONFIRMED"
    assert upd.nickname is None, "an empty string clears a field"
    assert upd.given_name == "Al" and upd.family_name == "Liddell"

    api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=[u.uid]))
    expect_error(404, "NotFound", api.get_user, v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))


def test_auto_verification_pool_confirms(api):
    p = api.create_user_pool(v.CreateUserPoolRequest(name=f"auto-{uuid.uuid4().hex[:8]}",
                                                     sign_up_auto_verification_enabled=True))
    assert mk(api, p, preferred_username="bob").user_state == "CONFIRMED"


def test_validation_and_uniqueness(server, api, pool):
    expect_error(400, "MissingParameter.PreferredUsername", mk, api, pool, name="nobody")
    expect_error(400, "InvalidParameter.PreferredUsername", mk, api, pool, preferred_username="has space")
    expect_error(400, "InvalidParameter.Email", mk, api, pool, email="not-an-email")
    expect_error(400, "InvalidParameter.PhoneNumber", mk, api, pool, phone_number="call me")
    expect_error(400, "InvalidParameter.Password", mk, api, pool, preferred_username="shortpw", password="short")
    mk(api, pool, preferred_username="Carol", email="carol@example.com", phone_number="+8613800000002")
    expect_error(409, "Duplicated", mk, api, pool, preferred_username="carol")
    expect_error(409, "Duplicated", mk, api, pool, email="CAROL@example.com")
    expect_error(409, "Duplicated", mk, api, pool, phone_number="+8613800000002")
    dave = mk(api, pool, preferred_username="dave")
    expect_error(409, "Duplicated", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=dave.uid, preferred_username="CAROL"))
    expect_error(400, "InvalidParameter.UserState", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=dave.uid, user_state="SLEEPING"))
    expect_error(404, "NotFound", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid="missing-user", nickname="x"))
    r = raw_call(server, "GetUser", json.dumps({"UserPoolUid": pool.uid}))
    assert raw_error(r) == (400, "MissingParameter.UserUid")


def test_batches_report_each_item(api, pool):
    mk(api, pool, preferred_username="taken")
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username="b1"),
        v.UserForCreateUsersInput(preferred_username="taken"),
        v.UserForCreateUsersInput(preferred_username="b3", email="bad"),
        v.UserForCreateUsersInput(preferred_username="b4"),
    ]))
    assert r.success_count == 2 and r.failure_count == 2
    assert len(r.successful_uids) == 2
    errors = {e.index: (e.error_type, e.field) for e in r.errors_structured}
    assert errors == {1: ("Duplicated", "PreferredUsername"), 2: ("InvalidParameter.Email", "Email")}

    upd = api.update_users(v.UpdateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForUpdateUsersInput(user_uid=r.successful_uids[0], nickname="one"),
        v.UserForUpdateUsersInput(user_uid="ghost", nickname="two"),
        v.UserForUpdateUsersInput(user_uid=r.successful_uids[1], user_state="LOCKED"),
    ]))
    assert upd.success_count == 2 and upd.failure_count == 1
    assert upd.errors_structured[0].index == 1 and upd.errors_structured[0].error_type == "NotFound"
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=r.successful_uids[1])).user_state == "LOCKED"

    d = api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=[r.successful_uids[0], "ghost"]))
    assert d.success_count == 1 and d.failure_count == 1 and d.errors_structured[0].index == 1

    too_many = [v.UserForCreateUsersInput(preferred_username=f"x{i}") for i in range(101)]
    expect_error(400, "InvalidParameter.Users", api.create_users,
                 v.CreateUsersRequest(user_pool_uid=pool.uid, users=too_many))


def test_filters(api, pool):
    a = mk(api, pool, preferred_username="Ann", email="ann@x.io", name="Ann Smith", phone_number="+15550001")
    b = mk(api, pool, preferred_username="ben", email="ben@x.io", name="Ben Smithers")
    c = mk(api, pool, preferred_username="cat", name="Cat Jones", email="cat@y.io")
    d = mk(api, pool, phone_number="+15550002")
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="g"))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[a.uid, c.uid]))
    dep = api.create_department(v.CreateDepartmentRequest(user_pool_uid=pool.uid, parent_department_uid="root", name="ops"))
    sub = api.create_department(v.CreateDepartmentRequest(user_pool_uid=pool.uid, parent_department_uid=dep.uid, name="sre"))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=sub.uid, user_uids=[b.uid]))

    def find(**f):
        r = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_size=100,
                                              filter=v.FilterForListUsersInput(**f)))
        assert r.total_count == len(r.data)
        return {u.uid for u in r.data}

    assert find(preferred_username="ANN") == {a.uid}
    assert find(email="BEN@X.IO") == {b.uid}
    assert find(phone_number="+15550002") == {d.uid}
    assert find(name="smith") == {a.uid, b.uid}
    assert find(name="Smith", email="ann@x.io") == {a.uid}
    assert find(preferred_username_is_null_or_empty=True) == {d.uid}
    assert find(email_is_null_or_empty=False) == {a.uid, b.uid, c.uid}
    assert find(user_uids_or=[a.uid, d.uid]) == {a.uid, d.uid}
    assert find(group_uid=g.uid) == {a.uid, c.uid}
    assert find(group_uids_or=[g.uid]) == {a.uid, c.uid}
    assert find(not_in_any_group=True) == {b.uid, d.uid}
    assert find(department_uid=dep.uid) == set()
    assert find(department_uid=dep.uid, department_uid_recursive=True) == {b.uid}
    assert find(not_in_any_department=True) == {a.uid, c.uid, d.uid}
    expect_error(400, "InvalidParameter.SortField", api.list_users,
                 v.ListUsersRequest(user_pool_uid=pool.uid, sort_field="ShoeSize"))


def test_all_oidc_claims_round_trip(api, pool):
    claims = dict(preferred_username="full.claims_user-1@x", email="full@claims.io", phone_number="+8613900000009",
                  name="Full Claims", given_name="Full", family_name="Claims", middle_name="Q", nickname="fc",
                  gender="female", birthdate="1990-01-02", locale="zh-CN", zoneinfo="Asia/Shanghai",
                  website="https://fc.example", picture="https://fc.example/p.png",
                  profile="https://fc.example/me", email_verified=True, phone_number_verified=True)
    u = mk(api, pool, **claims)
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))
    for obj in (u, got):
        for k, want in claims.items():
            assert getattr(obj, k) == want, (k, getattr(obj, k))
        assert obj.sub == obj.uid == u.uid
        assert obj.create_time and obj.update_time
        assert obj.group_uids == [] and obj.department_uids == []


@pytest.mark.parametrize("state", ["UNCONFIRMED", "CONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED",
                                   "FORCE_CHANGE_PASSWORD", "DISABLED", "LOCKED"])
def test_every_user_state(api, pool, state):
    u = mk(api, pool, preferred_username=f"st-{uuid.uuid4().hex[:8]}")
    for spelled in (state.lower(), state):
        r = api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=u.uid, user_state=spelled))
        assert r.user_state == state
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid)).user_state == state


def test_password_length_bounds_and_never_returned(server, api, pool):
    # OWASP ASVS 4.0 V2.1.1: at least 12 characters; V2.1.2: at least 64 allowed.
    pw8, pw256 = secret("Pw12 chars ok"), secret("p" * 255 + "!")
    a = mk(api, pool, preferred_username="pw8", password=pw8)
    b = mk(api, pool, preferred_username="pw256", password=pw256)
    expect_error(400, "InvalidParameter.Password", mk, api, pool, preferred_username="pw7", password="Pw11 chars!")
    # V2.1.7: common passwords and trivial patterns are refused.
    for weak in ("Password1234", "qwerty123456", "aaaaaaaaaaaaaa"):
        expect_error(400, "InvalidParameter.Password", mk, api, pool, preferred_username="weak", password=weak)
    expect_error(400, "InvalidParameter.Password", mk, api, pool, preferred_username="pw257", password="p" * 257)
    expect_error(400, "InvalidParameter.Password", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=a.uid, password="short"))
    new = secret("a-brand-new-password")
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=a.uid, password=new))
    for action, body in [("GetUser", {"UserPoolUid": pool.uid, "UserUid": a.uid}),
                         ("GetUser", {"UserPoolUid": pool.uid, "UserUid": b.uid}),
                         ("ListUsers", {"UserPoolUid": pool.uid, "PageSize": 100})]:
        r = raw_call(server, action, json.dumps(body))
        assert r.status_code == 200, r.text
        text = r.text
        for leak in (pw8, pw256, new, "argon2", "$argon", '"Password"', "PasswordHash"):
            assert leak not in text, (action, leak)


def test_username_alphabet(api, pool):
    ok = mk(api, pool, preferred_username="Ok.name_with-all@chars9")
    assert ok.preferred_username == "Ok.name_with-all@chars9"
    for bad in ("has space", "tab\there", "semi;colon", "slash/", "中文", "quote'"):
        expect_error(400, "InvalidParameter.PreferredUsername", mk, api, pool, preferred_username=bad)


def test_unknown_pool_and_updates_that_collide(api, pool):
    expect_error(404, "NotFound", api.create_user,
                 v.CreateUserRequest(user_pool_uid="up-does-not-exist", preferred_username="x"))
    expect_error(404, "NotFound", api.get_user, v.GetUserRequest(user_pool_uid=pool.uid, user_uid="no-such-user"))
    first = mk(api, pool, preferred_username="first1", email="first1@x.io", phone_number="+8613700000001")
    second = mk(api, pool, preferred_username="second2")
    expect_error(409, "Duplicated", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=second.uid, email="FIRST1@X.IO"))
    expect_error(409, "Duplicated", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=second.uid, phone_number="+8613700000001"))
    expect_error(400, "InvalidParameter.Email", api.update_user,
                 v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=second.uid, email="nope"))
    # Renaming to your own name in another case is not a clash.
    again = api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=first.uid,
                                                preferred_username="FIRST1"))
    assert again.preferred_username == "FIRST1"
    # A freed name can be taken.
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=first.uid, preferred_username="renamed1"))
    assert mk(api, pool, preferred_username="first1").uid


def test_batch_details(api, pool):
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username="twin"),
        v.UserForCreateUsersInput(preferred_username="TWIN"),
        v.UserForCreateUsersInput(name="no login attribute"),
        v.UserForCreateUsersInput(preferred_username="pw", password="short"),
        v.UserForCreateUsersInput(email="solo@x.io"),
    ]))
    assert (r.success_count, r.failure_count) == (2, 3)
    got = {e.index: e.error_type for e in r.errors_structured}
    assert got == {1: "Duplicated", 2: "MissingParameter.PreferredUsername", 3: "InvalidParameter.Password"}
    assert all(e.error and e.field for e in r.errors_structured)
    for uid in r.successful_uids:
        api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid))

    upd = api.update_users(v.UpdateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForUpdateUsersInput(user_uid=r.successful_uids[0], email="bad-email"),
        v.UserForUpdateUsersInput(user_uid=r.successful_uids[1], user_state="sleeping"),
        v.UserForUpdateUsersInput(user_uid=r.successful_uids[1], given_name="ok"),
    ]))
    assert (upd.success_count, upd.failure_count) == (1, 2)
    assert {e.index: e.error_type for e in upd.errors_structured} == \
        {0: "InvalidParameter.Email", 1: "InvalidParameter.UserState"}

    gone = api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=["ghost-1"]))
    assert (gone.success_count, gone.failure_count) == (0, 1)
    assert gone.errors_structured[0].index == 0 and gone.errors_structured[0].error
    many = [v.UserForUpdateUsersInput(user_uid=r.successful_uids[0], nickname=str(i)) for i in range(101)]
    expect_error(400, "InvalidParameter.Users", api.update_users,
                 v.UpdateUsersRequest(user_pool_uid=pool.uid, users=many))


def test_more_filters(api, pool):
    a = mk(api, pool, preferred_username="fa", given_name="Johanna", family_name="Smithson", middle_name="Lee",
           nickname="jojo", gender="female", locale="en-US", website="https://jo.example.com")
    b = mk(api, pool, preferred_username="fb", given_name="John", family_name="Doe", nickname="johnny",
           gender="male", locale="en-GB", website="https://doe.example.org")
    c = mk(api, pool, preferred_username="fc", email="fc@x.io", phone_number="+8613600000003")

    def find(**f):
        r = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_size=100,
                                              filter=v.FilterForListUsersInput(**f)))
        assert r.total_count == len(r.data)
        return {u.uid for u in r.data}

    assert find(given_name="joh") == {a.uid, b.uid}
    assert find(family_name="smith") == {a.uid}
    assert find(middle_name="Lee") == {a.uid}
    assert find(nickname="jo") == {a.uid, b.uid}
    assert find(gender="female") == {a.uid}
    assert find(locale="en-") == {a.uid, b.uid}
    assert find(website=".org") == {b.uid}
    assert find(gender="male") == {a.uid, b.uid}, "a substring: female contains male"
    assert find(given_name="Jo", locale="GB") == {b.uid}
    assert find(nickname_is_null_or_empty=True) == {c.uid}
    assert find(middle_name_is_null_or_empty=False) == {a.uid}
    assert find(phone_number_is_null_or_empty=False) == {c.uid}
    assert find(email_is_duplicated=True) == set(), "emails are unique per pool"
    assert find(phone_number_is_duplicated=True) == set(), "phone numbers are unique per pool"
    assert find(user_uids_or=[a.uid, c.uid], nickname_is_null_or_empty=False) == {a.uid}


def test_non_ascii_values_round_trip(api, pool):
    """The SDK sends non-ASCII as \\uXXXX escapes; the signature covers those exact bytes."""
    u = mk(api, pool, preferred_username="zhang.san", name="张三", nickname="😀 smiley", given_name="Ünïcødé")
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))
    assert (got.name, got.nickname, got.given_name) == ("张三", "😀 smiley", "Ünïcødé")
    r = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, filter=v.FilterForListUsersInput(name="张")))
    assert [x.uid for x in r.data] == [u.uid]


def test_filter_values_are_literal_not_patterns(api, pool):
    a = mk(api, pool, preferred_username="pct", name="100% sure", nickname="a_b")
    b = mk(api, pool, preferred_username="plain", name="100 sure", nickname="axb")
    mk(api, pool, preferred_username="u_x")
    c = mk(api, pool, preferred_username="uyx")

    def find(**f):
        r = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_size=100,
                                              filter=v.FilterForListUsersInput(**f)))
        return {x.uid for x in r.data}

    assert find(name="%") == {a.uid}
    assert find(name="0% s") == {a.uid}
    assert find(nickname="_") == {a.uid}
    assert find(nickname="a_b") == {a.uid}
    assert find(name="100 ") == {b.uid}
    assert find(preferred_username="u_x") != {c.uid} and c.uid not in find(preferred_username="u_x")
    assert find(name="*") == set() and find(name="'") == set() and find(name="\\") == set()


def test_concurrent_creates_of_one_name(server, pool):
    """Racing creates of one username: exactly one wins, the rest answer Duplicated (never 500)."""
    def attempt(i):
        api = server.api()
        try:
            api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username="racer",
                                                nickname=str(i)))
            return "ok"
        except volcenginesdkcore.rest.ApiException as e:
            return (e.status, json.loads(e.body)["ResponseMetadata"]["Error"]["Code"])

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(attempt, range(16)))
    assert results.count("ok") == 1, results
    assert set(results) == {"ok", (409, "Duplicated")}, results


def test_batch_of_exactly_one_hundred(api, pool):
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"h{i:03d}") for i in range(100)]))
    assert r.success_count == 100 and r.failure_count == 0 and len(set(r.successful_uids)) == 100
    d = api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=r.successful_uids))
    assert d.success_count == 100
    assert api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid)).total_count == 0
