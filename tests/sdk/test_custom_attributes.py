"""Custom user attributes through the official SDK: CreateUserPoolCustomAttribute,
UpdateUserPoolCustomAttribute, DeleteUserPoolCustomAttribute, GetUserPool's CustomAttributes, and
values given to users by CreateUser/UpdateUser/CreateUsers, checked by their declared type — with
the errors, another pool's ids, races and oversized input."""

import json
import threading
import uuid

import volcenginesdkid as v

from conftest import expect_error, raw_call


def declare(api, pool, name, data_type="String", mutability="ReadWrite", **bounds):
    return api.create_user_pool_custom_attribute(v.CreateUserPoolCustomAttributeRequest(
        user_pool_uid=pool.uid, name=name, data_type=data_type, mutability=mutability, **bounds))


def user(api, pool, **attrs):
    return api.create_user(v.CreateUserRequest(
        user_pool_uid=pool.uid, preferred_username=f"u{uuid.uuid4().hex[:10]}",
        custom_attributes_to_upsert=[v.CustomAttributesToUpsertForCreateUserInput(name=k, value=val)
                                     for k, val in attrs.items()]))


def values(u):
    return {a.name: a.value for a in (u.custom_attributes or [])}


def set_attrs(api, pool, uid, **attrs):
    return api.update_user(v.UpdateUserRequest(
        user_pool_uid=pool.uid, user_uid=uid,
        custom_attributes_to_upsert=[v.CustomAttributesToUpsertForUpdateUserInput(name=k, value=val)
                                     for k, val in attrs.items()]))


def test_declare_update_delete(api, pool):
    a = declare(api, pool, "team", minimum=2, maximum=8)
    assert (a.name, a.data_type, a.mutability, a.minimum, a.maximum) == ("team", "String", "ReadWrite", 2, 8)
    assert a.uid
    n = declare(api, pool, "level", "number", "READ_ONLY", minimum=0, maximum=10)
    assert (n.data_type, n.mutability) == ("Number", "ReadOnly"), "types and mutability are read in any case"
    got = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid))
    assert sorted(c.name for c in got.custom_attributes) == ["level", "team"]

    up = api.update_user_pool_custom_attribute(v.UpdateUserPoolCustomAttributeRequest(
        user_pool_uid=pool.uid, uid=a.uid, maximum=4))
    assert (up.minimum, up.maximum, up.data_type) == (2, 4, "String")
    expect_error(400, "InvalidParameter.Name", api.update_user_pool_custom_attribute,
                 v.UpdateUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid, name="renamed"))
    expect_error(400, "InvalidParameter.Maximum", api.update_user_pool_custom_attribute,
                 v.UpdateUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid, maximum=1))

    api.delete_user_pool_custom_attribute(v.DeleteUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid))
    expect_error(404, "NotFound", api.delete_user_pool_custom_attribute,
                 v.DeleteUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid))
    got = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid))
    assert [c.name for c in got.custom_attributes] == ["level"]
    got = api.update_user_pool(v.UpdateUserPoolRequest(user_pool_uid=pool.uid, description="d"))
    assert [(c.name, c.data_type) for c in got.custom_attributes] == [("level", "Number")]


def test_declarations_are_checked(server, api, pool):
    declare(api, pool, "Region")
    expect_error(409, "Duplicated", declare, api, pool, "region")
    for name in ["", "9lives", "a-b", "x" * 65]:
        expect_error(400, "InvalidParameter.Name", declare, api, pool, name)
    expect_error(400, "InvalidParameter.DataType", declare, api, pool, "t", "Float")
    expect_error(400, "InvalidParameter.Mutability", declare, api, pool, "t", "String", "Sometimes")
    expect_error(400, "InvalidParameter.Minimum", declare, api, pool, "t", "Boolean", minimum=1)
    expect_error(400, "InvalidParameter.Maximum", declare, api, pool, "t", "String", maximum=5000)
    expect_error(400, "InvalidParameter.Maximum", declare, api, pool, "t", "Number", minimum=5, maximum=1)
    r = raw_call(server, "CreateUserPoolCustomAttribute",
                 json.dumps({"UserPoolUid": pool.uid, "Name": "t", "Mutability": "ReadWrite"}))
    assert (r.status_code, r.json()["ResponseMetadata"]["Error"]["Code"]) == (400, "MissingParameter.DataType")


def test_a_pool_declares_at_most_fifty(api, pool):
    for i in range(50):
        declare(api, pool, f"a{i}")
    expect_error(409, "Conflict", declare, api, pool, "one_more")


def test_values_are_checked_by_type(api, pool):
    declare(api, pool, "team", minimum=2, maximum=8)
    declare(api, pool, "level", "Number", minimum=0, maximum=10)
    declare(api, pool, "admin", "Boolean")
    declare(api, pool, "hired", "DateTime")
    u = user(api, pool, team="web", level=" 7", admin="TRUE", hired="2026-01-31T09:00:00+01:00")
    assert values(u) == {"team": "web", "level": "7", "admin": "true", "hired": "2026-01-31T08:00:00Z"}, \
        "values are stored in their type's canonical form"
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))
    assert values(got) == values(u)

    for bad in [dict(team="x"), dict(team="x" * 9), dict(level="11"), dict(level="seven"),
                dict(admin="yes"), dict(hired="yesterday")]:
        expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Value", user, api, pool, **bad)
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Name", user, api, pool, nope="1")

    up = set_attrs(api, pool, u.uid, level="3", team="")
    assert values(up) == {"level": "3", "admin": "true", "hired": "2026-01-31T08:00:00Z"}, \
        "an empty value clears the attribute"
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Value", set_attrs, api, pool, u.uid, level="99")
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u.uid))
    assert values(got)["level"] == "3", "a refused change keeps the stored value"

    batch = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"b{uuid.uuid4().hex[:8]}",
                                  custom_attributes_to_upsert=[v.CustomAttributesToUpsertForCreateUsersInput(
                                      name="level", value=val)]) for val in ["1", "x"]]))
    assert batch.success_count == 1 and batch.failure_count == 1
    assert batch.errors_structured[0].field == "CustomAttributesToUpsert.Value"


def test_read_only_values_are_set_once(api, pool):
    declare(api, pool, "employee_id", mutability="ReadOnly")
    u = user(api, pool, employee_id="E-1")
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Name", set_attrs, api, pool, u.uid,
                 employee_id="E-2")
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Name", set_attrs, api, pool, u.uid,
                 employee_id="")
    assert set_attrs(api, pool, u.uid, employee_id="E-1").custom_attributes[0].value == "E-1", \
        "giving the same value again is no change"
    later = user(api, pool)
    assert values(set_attrs(api, pool, later.uid, employee_id="E-9")) == {"employee_id": "E-9"}, \
        "a read-only value may be given once, after creation too"


def test_an_attribute_in_use_is_kept(api, pool):
    a = declare(api, pool, "cost_center")
    u = user(api, pool, cost_center="42")
    expect_error(409, "Conflict", api.delete_user_pool_custom_attribute,
                 v.DeleteUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid))
    set_attrs(api, pool, u.uid, cost_center="")
    api.delete_user_pool_custom_attribute(v.DeleteUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=a.uid))
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Name", user, api, pool, cost_center="1")


def test_another_pools_attributes_are_not_found(api, pool):
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    theirs = declare(api, other, "secret_flag", "Boolean")
    expect_error(404, "NotFound", api.update_user_pool_custom_attribute,
                 v.UpdateUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=theirs.uid, maximum=1))
    expect_error(404, "NotFound", api.delete_user_pool_custom_attribute,
                 v.DeleteUserPoolCustomAttributeRequest(user_pool_uid=pool.uid, uid=theirs.uid))
    expect_error(400, "InvalidParameter.CustomAttributesToUpsert.Name", user, api, pool, secret_flag="true")
    assert [c.name for c in api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=other.uid)).custom_attributes] == \
        ["secret_flag"], "nothing of the other pool changed"


def test_racing_declarations_of_one_name(server, api, pool):
    """Check-then-write is one transaction (OWASP ASVS 4.0 V11.1.6): of eight concurrent
    declarations of one name, exactly one succeeds."""
    results = []

    def attempt(i):
        body = json.dumps({"UserPoolUid": pool.uid, "Name": "shared", "DataType": "String",
                           "Mutability": "ReadWrite"})
        results.append(raw_call(server, "CreateUserPoolCustomAttribute", body).status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7, results


def test_malformed_requests(server, api, pool):
    for body in [{"UserPoolUid": pool.uid, "Name": "x", "DataType": ["String"], "Mutability": "ReadWrite"},
                 {"UserPoolUid": pool.uid, "Name": "x", "DataType": "String", "Mutability": "ReadWrite",
                  "Maximum": "many"},
                 {"UserPoolUid": pool.uid, "Name": "x" * 100000, "DataType": "String", "Mutability": "ReadWrite"}]:
        r = raw_call(server, "CreateUserPoolCustomAttribute", json.dumps(body))
        assert r.status_code == 400, (r.status_code, r.text[:200])


def test_claims_when_the_client_asks(server, api):
    """With the `custom_attributes` scope, the ID token and userinfo carry each custom attribute
    as a `custom:{name}` claim; without it, none."""
    import requests
    from test_oidc import CALLBACK, Provider, query_of

    p = Provider(server, api)
    declare(api, p.pool, "team")
    set_attrs(api, p.pool, p.user.uid, team="web")
    assert "custom_attributes" in p.discovery["scopes_supported"]
    for scope, expected in [("openid custom_attributes", "web"), ("openid profile", None)]:
        browser = requests.Session()
        oauth = p.oauth()
        oauth.scope = scope
        page, verifier, _, _ = p.start(browser, oauth)
        back = p.sign_in(browser, page)
        assert back.status_code == 303, back.text
        location = back.headers["Location"]
        assert location.startswith(CALLBACK) and "code" in query_of(location)
        token = oauth.fetch_token(p.discovery["token_endpoint"], authorization_response=location,
                                  code_verifier=verifier)
        info = requests.get(p.discovery["userinfo_endpoint"],
                            headers={"Authorization": f"Bearer {token['access_token']}"}).json()
        assert info.get("custom:team") == expected, (scope, info)
