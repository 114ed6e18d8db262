"""User pools through the official SDK."""

import re
import uuid

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
