"""Accounts: one account's key can neither read nor change another account's pools."""

import uuid

import volcenginesdkid as v

from conftest import expect_error


def test_isolation_between_accounts(server, api):
    mine = api.create_user_pool(v.CreateUserPoolRequest(name=f"shared-{uuid.uuid4().hex[:6]}"))
    user = api.create_user(v.CreateUserRequest(user_pool_uid=mine.uid, preferred_username="owner"))
    ak, sk = server.new_key(account=f"other-{uuid.uuid4().hex[:6]}")
    other = server.api(ak, sk)

    theirs = other.create_user_pool(v.CreateUserPoolRequest(name=mine.name))
    assert theirs.uid != mine.uid, "the same pool name is fine in another account"

    expect_error(404, "NotFound", other.get_user_pool, v.GetUserPoolRequest(user_pool_uid=mine.uid))
    expect_error(404, "NotFound", other.update_user_pool,
                 v.UpdateUserPoolRequest(user_pool_uid=mine.uid, description="pwned"))
    expect_error(404, "NotFound", other.delete_user_pool, v.DeleteUserPoolRequest(user_pool_uid=mine.uid))
    expect_error(404, "NotFound", other.create_user,
                 v.CreateUserRequest(user_pool_uid=mine.uid, preferred_username="intruder"))
    expect_error(404, "NotFound", other.get_user,
                 v.GetUserRequest(user_pool_uid=mine.uid, user_uid=user.uid))
    expect_error(404, "NotFound", other.list_users, v.ListUsersRequest(user_pool_uid=mine.uid))

    listed = other.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100))
    assert [p.uid for p in listed.data] == [theirs.uid]
    assert listed.total_count == 1

    still = api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=mine.uid))
    assert still.description == "" and still.total_users == 1


def test_cli_lists_keys_without_secrets(server):
    account = f"cli-{uuid.uuid4().hex[:6]}"
    ak, sk = server.new_key(account=account)
    keys = server.cli("access-key", "list", "--account", account)
    assert [k["AccessKeyId"] for k in keys] == [ak]
    assert sk not in str(keys)
    assert all("SecretAccessKey" not in k for k in keys)
