"""EIAM's composite CreateUser (a user with its user groups and org nodes) is one write: when it
fails, nothing of it is stored and the same request succeeds once the cause is gone — never a
user created while the client is told it failed, which a retry would then meet as
UserNameAlreadyExists. Through the official Tencent SDK, on SQLite and PostgreSQL."""

import threading
import uuid

import volcenginesdkid as v

from test_tencent import Eiam, bound  # noqa: F401  (the fixture)

PASSWORD = "Composite-Passw0rd!"


def members(eiam, group):
    return eiam("ListUsersInUserGroup", UserGroupId=group)["TotalNum"]


def test_a_create_user_refused_half_way_writes_nothing(bound):  # noqa: F811
    pool, eiam = bound
    group = eiam("CreateUserGroup", DisplayName="staff")["UserGroupId"]
    node = eiam("CreateOrgNode", DisplayName="eng")["OrgNodeId"]
    name = f"half{uuid.uuid4().hex[:6]}"
    # The primary org node named again among the secondary ones: refused, after the name, the
    # groups and the nodes all checked out.
    code = eiam.error("CreateUser", UserName=name, Password=PASSWORD, UserGroupIds=[group],
                      OrgNodeId=node, SecondaryOrgNodeIdList=[node])
    assert code == "InvalidParameterValue"
    assert eiam.error("DescribeUserInfo", UserName=name) == "FailedOperation.UserNotFound"
    assert members(eiam, group) == 0
    assert eiam("ListUsersInOrgNode", OrgNodeId=node)["TotalUserNum"] == 0
    # An unknown group among known ones: refused whole.
    code = eiam.error("CreateUser", UserName=name, Password=PASSWORD, UserGroupIds=[group, "ug-gone"],
                      OrgNodeId=node)
    assert code == "FailedOperation.UserGroupNotExist"
    assert eiam.error("DescribeUserInfo", UserName=name) == "FailedOperation.UserNotFound"
    assert members(eiam, group) == 0

    # The same request, corrected, succeeds: the name was never taken.
    user = eiam("CreateUser", UserName=name, Password=PASSWORD, UserGroupIds=[group], OrgNodeId=node)["UserId"]
    info = eiam("DescribeUserInfo", UserId=user)
    assert info["UserGroupIds"] == [group] and info["OrgNodeId"] == node
    assert members(eiam, group) == 1


def test_create_user_racing_a_group_delete_is_all_or_nothing(server, api):
    """A group deleted while users are created into it: each CreateUser either fails and leaves
    no user, or succeeds (its membership then goes with the group)."""
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"race-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=pool.uid)
    eiam = Eiam(server, ak, sk)
    failed, lock = [], threading.Lock()
    for round in range(8):
        group = eiam("CreateUserGroup", DisplayName=f"doomed{round}")["UserGroupId"]
        names = [f"r{round}u{i}{uuid.uuid4().hex[:4]}" for i in range(4)]

        def create(name, group=group):
            client = Eiam(server, ak, sk)
            try:
                client("CreateUser", UserName=name, Password=PASSWORD, UserGroupIds=[group])
            except Exception as e:  # the SDK's TencentCloudSDKException
                assert e.get_code() == "FailedOperation.UserGroupNotExist", e
                with lock:
                    failed.append(name)

        threads = [threading.Thread(target=create, args=(n,)) for n in names]
        for t in threads:
            t.start()
        eiam("DeleteUserGroup", UserGroupId=group)
        for t in threads:
            t.join()
        for name in names:
            if name in failed:
                assert eiam.error("DescribeUserInfo", UserName=name) == "FailedOperation.UserNotFound", name
            else:
                assert eiam("DescribeUserInfo", UserName=name)["UserGroupIds"] == []
    for name in failed:
        # Each refused request succeeds when sent again without the deleted group.
        assert eiam("CreateUser", UserName=name, Password=PASSWORD)["UserId"]


def test_modify_user_info_is_all_or_nothing(bound):  # noqa: F811
    pool, eiam = bound
    keep, other = (eiam("CreateUserGroup", DisplayName=n)["UserGroupId"] for n in ("keep", "other"))
    eng, ops = (eiam("CreateOrgNode", DisplayName=n)["OrgNodeId"] for n in ("eng", "ops"))
    name = f"mod{uuid.uuid4().hex[:6]}"
    user = eiam("CreateUser", UserName=name, Password=PASSWORD, UserGroupIds=[keep], OrgNodeId=eng)["UserId"]
    before = eiam("DescribeUserInfo", UserId=user)
    # A new display name, new groups (one unknown) and a new org node: refused whole.
    code = eiam.error("ModifyUserInfo", UserId=user, DisplayName="Renamed", UserGroupIds=[other, "ug-gone"],
                      OrgNodeId=ops)
    assert code == "FailedOperation.UserGroupNotExist"
    after = eiam("DescribeUserInfo", UserId=user)
    assert {k: v for k, v in after.items() if k != "RequestId"} == {k: v for k, v in before.items() if k != "RequestId"}
    # The org node named twice: refused whole too.
    code = eiam.error("ModifyUserInfo", UserId=user, DisplayName="Renamed", OrgNodeId=ops,
                      SecondaryOrgNodeIdList=[ops])
    assert code == "InvalidParameterValue"
    after = eiam("DescribeUserInfo", UserId=user)
    assert (after["DisplayName"], after["UserGroupIds"], after["OrgNodeId"]) == \
        (before["DisplayName"], [keep], eng)

    eiam("ModifyUserInfo", UserId=user, DisplayName="Renamed", UserGroupIds=[other], OrgNodeId=ops,
         SecondaryOrgNodeIdList=[eng])
    after = eiam("DescribeUserInfo", UserId=user)
    assert (after["DisplayName"], after["UserGroupIds"], after["OrgNodeId"], after["SecondaryOrgNodeIdList"]) == \
        ("Renamed", [other], ops, [eng])
    assert members(eiam, keep) == 0 and members(eiam, other) == 1
