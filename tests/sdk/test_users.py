"""Users through the official SDK: CRUD, batches, filters, and paging that sees every row once."""

import json
import uuid

import pytest
import volcenginesdkid as v

from conftest import expect_error, raw_call, raw_error


def mk(api, pool, **fields):
    return api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, **fields))


def test_create_get_update_delete(api, pool):
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


@pytest.fixture(scope="module")
def crowd(api):
    """61 users, many sharing a name so that ties matter."""
    p = api.create_user_pool(v.CreateUserPoolRequest(name=f"crowd-{uuid.uuid4().hex[:8]}"))
    users = [v.UserForCreateUsersInput(preferred_username=f"u{i:03d}", name=["Same", "Other", f"N{i}"][i % 3],
                                       email=f"u{i}@crowd.test" if i % 4 else None)
             for i in range(61)]
    uids = []
    for chunk in (users[:40], users[40:]):
        r = api.create_users(v.CreateUsersRequest(user_pool_uid=p.uid, users=chunk))
        assert r.failure_count == 0
        uids += r.successful_uids
    return p, set(uids)


@pytest.mark.parametrize("sort", [None, ("CreateTime", "Asc"), ("Name", "Asc"), ("Name", "Desc"),
                                  ("PreferredUsername", "Desc"), ("Email", "Asc"), ("UpdateTime", "Desc")])
def test_page_paging_sees_every_row_once(api, crowd, sort):
    p, uids = crowd
    seen = []
    page = 1
    while True:
        req = v.ListUsersRequest(user_pool_uid=p.uid, page_number=page, page_size=7)
        if sort:
            req.sort_field, req.sort_direction = sort
        r = api.list_users(req)
        assert r.total_count == len(uids)
        seen += [u.uid for u in r.data]
        if len(r.data) < 7:
            break
        page += 1
    assert len(seen) == len(set(seen)) == len(uids) and set(seen) == uids


@pytest.mark.parametrize("sort", [None, ("Name", "Asc"), ("Name", "Desc"), ("Email", "Desc"), ("CreateTime", "Asc")])
def test_cursor_paging_sees_every_row_once(api, crowd, sort):
    p, uids = crowd
    seen, token, calls = [], None, 0
    while True:
        req = v.ListUsersRequest(user_pool_uid=p.uid, max_results=8, next_token=token)
        if sort:
            req.sort_field, req.sort_direction = sort
        r = api.list_users(req)
        calls += 1
        seen += [u.uid for u in r.data]
        token = r.next_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(uids) and set(seen) == uids
    assert calls == 8


def test_bad_tokens_and_limits(api, crowd):
    p, _ = crowd
    expect_error(400, "InvalidParameter.NextToken", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, next_token="garbage!!", max_results=5))
    r = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid, max_results=5, sort_field="Name"))
    expect_error(400, "InvalidParameter.NextToken", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, next_token=r.next_token, max_results=5, sort_field="Email"))
    expect_error(400, "InvalidParameter.MaxResults", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, max_results=0))
    default = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid))
    assert len(default.data) == 10 and default.page_number == 1 and default.page_size == 10
