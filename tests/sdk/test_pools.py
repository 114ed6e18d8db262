"""User pools through the official SDK."""

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import volcenginesdkcore
import volcenginesdkid as v

from conftest import expect_error

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def name():
    return f"pool-{uuid.uuid4().hex[:10]}"


def test_create_get_update_delete(server, api):
    n = name()
    created = api.create_user_pool(v.CreateUserPoolRequest(
        name=n, description="staff directory", sign_up_auto_verification_enabled=True,
        brand=v.BrandForCreateUserPoolInput(name="ACME", logo_uri="https://acme.test/logo.png"),
        tags=[v.TagForCreateUserPoolInput(key="team", value="id")]))
    assert created.name == n and created.description == "staff directory"
    assert created.enabled is True
    assert created.password_sign_in_enabled is True
    assert created.sign_in_attributes == ["preferred_username"]
    assert created.sign_up_auto_verification_enabled is True
    assert created.brand.name == "ACME"
    assert ISO.match(created.create_time) and ISO.match(created.update_time)
    assert created.issuer_url == f"{server.url}/userpool/{created.uid}"
    assert created.discovery_url == f"{created.issuer_url}/.well-known/openid-configuration"
    assert created.total_users == 0

    got = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=created.uid))
    assert got.uid == created.uid and got.tags[0].key == "team"

    updated = api.update_user_pool(v.UpdateUserPoolRequest(
        user_pool_uid=created.uid, description="renamed", self_sign_up_enabled=True))
    assert updated.description == "renamed"
    assert updated.self_sign_up_enabled is True
    assert updated.name == n, "fields not sent are kept"
    assert updated.sign_up_auto_verification_enabled is True

    api.create_user(v.CreateUserRequest(user_pool_uid=created.uid, preferred_username="member"))
    assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=created.uid)).total_users == 1

    api.delete_user_pool(v.DeleteUserPoolRequest(user_pool_uid=created.uid))
    expect_error(404, "NotFound", api.get_user_pool, v.GetUserPoolRequest(user_pool_uid=created.uid))
    expect_error(404, "NotFound", api.delete_user_pool, v.DeleteUserPoolRequest(user_pool_uid=created.uid))
    expect_error(404, "NotFound", api.list_users, v.ListUsersRequest(user_pool_uid=created.uid))


def test_validation(api):
    expect_error(400, "InvalidParameter.Name", api.create_user_pool, v.CreateUserPoolRequest(name=""))
    expect_error(400, "InvalidParameter.Name", api.create_user_pool, v.CreateUserPoolRequest(name="x" * 129))
    expect_error(400, "InvalidParameter.SignInAttributes", api.create_user_pool,
                 v.CreateUserPoolRequest(name=name(), sign_in_attributes=["shoe_size"]))
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=name()))
    other = api.create_user_pool(v.CreateUserPoolRequest(name=name()))
    expect_error(409, "Duplicated", api.update_user_pool,
                 v.UpdateUserPoolRequest(user_pool_uid=pool.uid, name=other.name))


def test_list_filter_sort_page(api):
    prefix = uuid.uuid4().hex[:6]
    made = [api.create_user_pool(v.CreateUserPoolRequest(name=f"{prefix}-{i:02d}")) for i in range(12)]
    one = api.list_user_pools(v.ListUserPoolsRequest(
        page_number=1, page_size=10, filter=v.FilterForListUserPoolsInput(name=made[3].name)))
    assert one.total_count == 1 and one.data[0].uid == made[3].uid

    everything = api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100))
    ours = [p.uid for p in everything.data if p.name.startswith(prefix)]
    assert ours == [p.uid for p in reversed(made)], "default order is CreateTime descending"

    by_name = []
    page = 1
    while True:
        r = api.list_user_pools(v.ListUserPoolsRequest(page_number=page, page_size=5,
                                                       sort_field="Name", sort_direction="asc"))
        by_name += [p.name for p in r.data]
        if len(r.data) < 5:
            break
        page += 1
    assert by_name == sorted(by_name)
    assert len(by_name) == everything.total_count
    expect_error(400, "InvalidParameter.SortField", api.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=5, sort_field="Colour"))
    expect_error(400, "InvalidParameter.SortDirection", api.list_user_pools,
                 v.ListUserPoolsRequest(page_number=1, page_size=5, sort_direction="sideways"))
    past = api.list_user_pools(v.ListUserPoolsRequest(page_number=999, page_size=10))
    assert past.data == [] and past.total_count == everything.total_count


def test_sort_fields_and_directions(api):
    prefix = uuid.uuid4().hex[:6]
    made = [api.create_user_pool(v.CreateUserPoolRequest(name=f"{prefix}-s{i}")) for i in range(4)]
    ours = {p.uid for p in made}

    def order(**kw):
        r = api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100, **kw))
        return [p for p in r.data if p.uid in ours]

    created = [p.uid for p in made]
    assert [p.uid for p in order(sort_field="CreateTime", sort_direction="ASC")] == created
    assert [p.uid for p in order(sort_field="CreateTime", sort_direction="desc")] == created[::-1]
    assert [p.uid for p in order(sort_direction="Asc")] == created, "default field is CreateTime"
    by_update = order(sort_field="UpdateTime", sort_direction="Asc")
    assert [p.update_time for p in by_update] == sorted(p.update_time for p in by_update)
    names = [p.name for p in order(sort_field="Name", sort_direction="Desc")]
    assert names == sorted(names, reverse=True)


def test_filter_name_is_exact(api):
    n = name()
    p = api.create_user_pool(v.CreateUserPoolRequest(name=n))
    for probe, want in [(n, [p.uid]), (n[:-1], []), (n + "x", []), (n.upper(), [])]:
        r = api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10,
                                                       filter=v.FilterForListUserPoolsInput(name=probe)))
        assert [x.uid for x in r.data] == want and r.total_count == len(want), probe


def test_partial_update_keeps_settings(api):
    p = api.create_user_pool(v.CreateUserPoolRequest(
        name=name(), description="d", password_sign_in_enabled=False,
        sign_in_attributes=["email", "preferred_username"], self_sign_up_enabled=True))
    assert p.password_sign_in_enabled is False and p.self_sign_up_enabled is True
    u = api.update_user_pool(v.UpdateUserPoolRequest(user_pool_uid=p.uid, name=p.name + "-renamed"))
    assert u.name == p.name + "-renamed"
    assert (u.description, u.password_sign_in_enabled, u.self_sign_up_enabled) == ("d", False, True)
    assert sorted(u.sign_in_attributes) == ["email", "preferred_username"]
    assert u.create_time == p.create_time and ISO.match(u.update_time) and u.update_time >= p.update_time
    assert u.issuer_url == p.issuer_url
    g = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=p.uid))
    assert g.name == u.name and g.password_sign_in_enabled is False
    expect_error(404, "NotFound", api.update_user_pool,
                 v.UpdateUserPoolRequest(user_pool_uid="up-missing", description="x"))


def test_delete_takes_users_groups_and_departments(api):
    p = api.create_user_pool(v.CreateUserPoolRequest(name=name()))
    u = api.create_user(v.CreateUserRequest(user_pool_uid=p.uid, preferred_username="goner"))
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=p.uid, name="g"))
    api.delete_user_pool(v.DeleteUserPoolRequest(user_pool_uid=p.uid))
    expect_error(404, "NotFound", api.get_user, v.GetUserRequest(user_pool_uid=p.uid, user_uid=u.uid))
    expect_error(404, "NotFound", api.get_group, v.GetGroupRequest(user_pool_uid=p.uid, group_uid=g.uid))
    expect_error(404, "NotFound", api.get_department, v.GetDepartmentRequest(user_pool_uid=p.uid, department_uid="root"))
    again = api.create_user_pool(v.CreateUserPoolRequest(name=p.name))
    assert again.uid != p.uid, "a deleted pool's name is free again"
    assert api.list_users(v.ListUsersRequest(user_pool_uid=again.uid)).total_count == 0


def test_racing_creates_of_one_pool_name(server):
    n = name()

    def attempt(_):
        try:
            server.api().create_user_pool(v.CreateUserPoolRequest(name=n))
            return "ok"
        except volcenginesdkcore.rest.ApiException as e:
            return (e.status, json.loads(e.body)["ResponseMetadata"]["Error"]["Code"])

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(attempt, range(12)))
    assert results.count("ok") == 1 and set(results) == {"ok", (409, "Duplicated")}, results
