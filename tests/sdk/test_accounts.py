"""Accounts: one account's key can neither read nor change another account's pools."""

import json
import uuid

import volcenginesdkid as v

from conftest import expect_error, secret


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


def test_other_account_cannot_touch_users_groups_or_departments(server, api):
    mine = api.create_user_pool(v.CreateUserPoolRequest(name=f"guarded-{uuid.uuid4().hex[:6]}"))
    user = api.create_user(v.CreateUserRequest(user_pool_uid=mine.uid, preferred_username="victim"))
    group = api.create_group(v.CreateGroupRequest(user_pool_uid=mine.uid, name="g"))
    ak, sk = server.new_key(account=f"other-{uuid.uuid4().hex[:6]}")
    other = server.api(ak, sk)
    calls = [
        (other.update_user, v.UpdateUserRequest(user_pool_uid=mine.uid, user_uid=user.uid, nickname="pwned")),
        (other.delete_users, v.DeleteUsersRequest(user_pool_uid=mine.uid, user_uids=[user.uid])),
        (other.create_users, v.CreateUsersRequest(user_pool_uid=mine.uid, users=[
            v.UserForCreateUsersInput(preferred_username="sneaky")])),
        (other.get_group, v.GetGroupRequest(user_pool_uid=mine.uid, group_uid=group.uid)),
        (other.create_group, v.CreateGroupRequest(user_pool_uid=mine.uid, name="mine-now")),
        (other.add_users_to_group, v.AddUsersToGroupRequest(user_pool_uid=mine.uid, group_uid=group.uid,
                                                            user_uids=[user.uid])),
        (other.get_department, v.GetDepartmentRequest(user_pool_uid=mine.uid, department_uid="root")),
        (other.create_department, v.CreateDepartmentRequest(user_pool_uid=mine.uid, parent_department_uid="root",
                                                            name="d")),
    ]
    for fn, req in calls:
        expect_error(404, "NotFound", fn, req)
    # Nor can it reach them from a pool of its own.
    theirs = other.create_user_pool(v.CreateUserPoolRequest(name=f"theirs-{uuid.uuid4().hex[:6]}"))
    expect_error(404, "NotFound", other.get_user, v.GetUserRequest(user_pool_uid=theirs.uid, user_uid=user.uid))
    expect_error(404, "NotFound", other.get_group, v.GetGroupRequest(user_pool_uid=theirs.uid, group_uid=group.uid))

    after = api.get_user(v.GetUserRequest(user_pool_uid=mine.uid, user_uid=user.uid))
    assert after.nickname is None and after.group_uids == []
    assert api.list_users(v.ListUsersRequest(user_pool_uid=mine.uid)).total_count == 1
    assert api.list_groups(v.ListGroupsRequest(user_pool_uid=mine.uid, page_number=1, page_size=10)).total_count == 1
    listed = api.list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=100))
    assert theirs.uid not in {p.uid for p in listed.data}


def test_cli_key_with_description_and_delete(server):
    account = f"desc-{uuid.uuid4().hex[:6]}"
    key = server.cli("access-key", "create", "--account", account, "--description", "ci robot")
    secret(key["SecretAccessKey"])
    assert set(key) >= {"AccessKeyId", "SecretAccessKey", "Account", "UserPoolUid", "CreateTime"}
    assert key["Account"] == account and not key["UserPoolUid"]
    api = server.api(key["AccessKeyId"], key["SecretAccessKey"])
    pool = api.create_user_pool(v.CreateUserPoolRequest(name="robot-pool"))
    bound = server.cli("access-key", "create", "--account", account, "--pool", pool.uid)
    secret(bound["SecretAccessKey"])
    assert bound["UserPoolUid"] == pool.uid
    listed = server.cli("access-key", "list", "--account", account)
    assert {k["AccessKeyId"] for k in listed} == {key["AccessKeyId"], bound["AccessKeyId"]}
    assert key["SecretAccessKey"] not in json.dumps(listed) and bound["SecretAccessKey"] not in json.dumps(listed)
    assert server.cli("access-key", "delete", bound["AccessKeyId"]) == {"Deleted": bound["AccessKeyId"]}
    assert [k["AccessKeyId"] for k in server.cli("access-key", "list", "--account", account)] == [key["AccessKeyId"]]
