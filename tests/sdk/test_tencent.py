"""The Tencent EIAM dialect through the official tencentcloud-sdk-python-eiam SDK, on the same
directory as the Volcengine dialect."""

import json
import time
import uuid
from unittest import mock

import pytest
import requests
import volcenginesdkid as v
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.eiam.v20210420 import eiam_client, models

from conftest import ROOT_AK, ROOT_SK


_signed_at = {}


def fresh_second(client, body):
    """The official SDK signs neither X-TC-Action nor anything unique, so the same body from the
    same key in the same second is the same signature, which the server takes for one change
    only (see the README's Security section). Tests that send the same body again, as any
    client may, wait for the next second when they would."""
    key = (id(client), body)
    now = int(time.time())
    if _signed_at.get(key) == now:
        time.sleep(now + 1.02 - time.time())
        now = int(time.time())
    _signed_at[key] = now


class Eiam:
    """Calls EIAM actions by name with a JSON body, through the official SDK."""

    def __init__(self, server, ak=ROOT_AK, sk=ROOT_SK, method="POST", sign="TC3-HMAC-SHA256"):
        hp = HttpProfile(protocol="http", endpoint=server.host, reqMethod=method)
        profile = ClientProfile(httpProfile=hp, signMethod=sign)
        self.client = eiam_client.EiamClient(credential.Credential(ak, sk), "ap-guangzhou", profile)

    def __call__(self, action, **body):
        req = getattr(models, f"{action}Request")()
        req.from_json_string(json.dumps(body))
        fresh_second(self.client, json.dumps(body, sort_keys=True))
        return json.loads(getattr(self.client, action)(req).to_json_string())

    def error(self, action, **body):
        with pytest.raises(TencentCloudSDKException) as info:
            self(action, **body)
        return info.value.get_code()


@pytest.fixture(scope="module")
def eiam(server):
    """The root key, acting on its account's default pool."""
    return Eiam(server)


@pytest.fixture
def bound(server, api):
    """A fresh pool and an EIAM client whose key is bound to it."""
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"eiam-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=pool.uid)
    return pool, Eiam(server, ak, sk)


def test_auth_failures(server):
    assert Eiam(server, sk="wrong-secret-000000000").error("ListUsers") == "AuthFailure.SignatureFailure"
    assert Eiam(server, ak="AKLTNOSUCHKEY0000000000").error("ListUsers") == "AuthFailure.SecretIdNotFound"
    for skew in (-301, 301, -3600):
        with mock.patch("time.time", return_value=time.time() + skew):
            assert Eiam(server).error("ListUsers") == "AuthFailure.SignatureExpire"
    with mock.patch("time.time", return_value=time.time() - 290):
        Eiam(server)("ListUsers")


def test_envelope_and_protocol_errors(server, eiam):
    assert eiam.error("ListApplications") == "UnsupportedOperation"
    r = requests.post(f"{server.url}/", data="{}", headers={"X-TC-Action": "ListUsers", "Content-Type": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()["Response"]
    assert body["Error"]["Code"] == "AuthFailure.InvalidAuthorization" and body["RequestId"] == r.headers["x-request-id"]
    ok = eiam("ListUserGroups")
    assert "RequestId" in ok and "Error" not in ok


def test_every_signing_form_works(server):
    for method, sign in [("GET", "TC3-HMAC-SHA256"), ("POST", "HmacSHA256"), ("GET", "HmacSHA1")]:
        c = Eiam(server, method=method, sign=sign)
        out = c("ListUsers", Offset=0, Limit=5, IncludeTotal=True, ExpectedFields=["UserName", "Status"])
        assert "TotalCount" in out


def test_users_crud(bound):
    pool, eiam = bound
    g1 = eiam("CreateUserGroup", DisplayName="g1")["UserGroupId"]
    g2 = eiam("CreateUserGroup", DisplayName="g2", Description="second")["UserGroupId"]
    node = eiam("CreateOrgNode", DisplayName="eng", CustomizedOrgNodeId="E-1")["OrgNodeId"]
    side = eiam("CreateOrgNode", DisplayName="side")["OrgNodeId"]
    uid = eiam("CreateUser", UserName="alice", Password="Passw0rd!xyz", DisplayName="Alice L", Email="alice@x.io",
               Phone="+86-13800000000", UserGroupIds=[g1], OrgNodeId=node, SecondaryOrgNodeIdList=[side],
               ExpirationTime="2030-01-01T00:00:00.000+0000", PwdNeedReset=True, Description="first")["UserId"]
    info = eiam("DescribeUserInfo", UserId=uid)
    assert (info["UserName"], info["DisplayName"], info["Status"], info["Email"]) == ("alice", "Alice L", "NORMAL", "alice@x.io")
    assert info["UserGroupIds"] == [g1] and info["OrgNodeId"] == node and info["SecondaryOrgNodeIdList"] == [side]
    assert info["ExpirationTime"].startswith("2030-01-01T00:00:00.000") and info["PwdNeedReset"] is True
    assert eiam("DescribeUserInfo", UserName="alice")["UserId"] == uid
    assert eiam.error("CreateUser", UserName="alice", Password="Passw0rd!xyz") == "FailedOperation.UserNameAlreadyExists"
    assert eiam.error("CreateUser", UserName="al2", Password="Passw0rd!xyz", Email="alice@x.io") == "FailedOperation.UserEmailAlreadyExists"
    assert eiam.error("CreateUser", UserName="al3", Password="Passw0rd!xyz", Phone="+86-13800000000") == "FailedOperation.UserPhoneAlreadyExists"
    assert eiam.error("CreateUser", UserName="al4", Password="Passw0rd!xyz", OrgNodeId="nope") == "FailedOperation.MainOrgNodeNotExist"
    assert eiam.error("CreateUser", UserName="al5", Password="Passw0rd!xyz", UserGroupIds=["nope"]) == "FailedOperation.UserGroupNotExist"
    assert eiam.error("DescribeUserInfo", UserId="nope") == "FailedOperation.UserNotFound"

    eiam("ModifyUserInfo", UserId=uid, UserName="alicia", DisplayName="Alicia", UserGroupIds=[g2], OrgNodeId=side,
         SecondaryOrgNodeIdList=[])
    info = eiam("DescribeUserInfo", UserId=uid)
    assert (info["UserName"], info["DisplayName"], info["UserGroupIds"], info["OrgNodeId"]) == ("alicia", "Alicia", [g2], side)
    eiam("ModifyUserInfo", UserName="alicia", Description="by name")
    assert eiam("DescribeUserInfo", UserId=uid)["Description"] == "by name"

    bob = eiam("CreateUser", UserName="bob", Password="Passw0rd!xyz")["UserId"]
    root = eiam("DescribeOrgNode")["OrgNodeId"]
    assert eiam("DescribeUserInfo", UserId=bob)["OrgNodeId"] == root, "an empty OrgNodeId means the root"
    carl = eiam("CreateUser", UserName="carl", Password="Passw0rd!xyz")["UserId"]
    assert eiam("DeleteUsers", DeleteIdList=[bob, "ghost"], DeleteNameList=["carl", "nobody"])["FailedItems"] == ["ghost", "nobody"]
    assert eiam.error("DescribeUserInfo", UserId=carl) == "FailedOperation.UserNotFound"
    eiam("DeleteUser", UserName="alicia")
    assert eiam.error("DeleteUser", UserId=uid) == "FailedOperation.UserNotFound"


def test_groups_and_org_nodes(bound):
    pool, eiam = bound
    ids = [eiam("CreateUserGroup", DisplayName=n)["UserGroupId"] for n in ("beta", "alpha", "gamma")]
    assert eiam("DescribeUserGroup", UserGroupId=ids[0])["DisplayName"] == "beta"
    listed = eiam("ListUserGroups", Sort={"SortKey": "DisplayName", "SortOrder": "DESC"})
    assert [g["UserGroupName"] for g in listed["UserGroupList"]] == ["gamma", "beta", "alpha"] and listed["TotalCount"] == 3
    assert eiam("ListUserGroups", SearchCondition={"Keyword": "ph"}, Offset=0, Limit=10)["TotalCount"] == 1
    u = eiam("CreateUser", UserName="member", Password="Passw0rd!xyz")["UserId"]
    assert eiam("AddUserToUserGroup", UserIds=[u, "ghost"], UserGroupId=ids[0])["FailedItems"] == ["ghost"]
    eiam("AddUserToUserGroup", UserIds=[u], UserGroupId=ids[1])
    of = eiam("ListUserGroupsOfUser", UserId=u)
    assert set(of["UserGroupIds"]) == {ids[0], ids[1]} and of["TotalCount"] == 2
    assert of["UserGroupInfoList"][0]["DisplayName"] == "alpha"
    eiam("RemoveUserFromUserGroup", UserIds=[u], UserGroupId=ids[0])
    assert eiam("ListUserGroupsOfUser", UserId=u)["UserGroupIds"] == [ids[1]]
    eiam("DeleteUserGroup", UserGroupId=ids[2])
    assert eiam.error("DescribeUserGroup", UserGroupId=ids[2]) == "FailedOperation.UserGroupNotExist"

    root = eiam("DescribeOrgNode")
    assert root["DisplayName"] == pool.name and root["ParentOrgNodeId"] == ""
    eng = eiam("CreateOrgNode", DisplayName="eng", Description="d")["OrgNodeId"]
    be = eiam("CreateOrgNode", DisplayName="backend", ParentOrgNodeId=eng)["OrgNodeId"]
    assert eiam.error("CreateOrgNode", DisplayName="backend", ParentOrgNodeId=eng) == "FailedOperation.ChildOrgNodeNameAlreadyExists"
    assert eiam.error("CreateOrgNode", DisplayName="x", ParentOrgNodeId="nope") == "FailedOperation.ParentOrgNodeIdNotFound"
    d = eiam("DescribeOrgNode", OrgNodeId=eng, IncludeOrgNodeChildInfo=True)
    assert [c["OrgNodeId"] for c in d["OrgNodeChildInfo"]] == [be]
    eiam("UpdateOrgNode", OrgNodeId=eng, DisplayName="engineering", CustomizedOrgNodeId="ENG")
    d = eiam("DescribeOrgNode", OrgNodeId=eng)
    assert (d["DisplayName"], d["CustomizedOrgNodeId"]) == ("engineering", "ENG")
    eiam("ModifyUserInfo", UserId=u, OrgNodeId=be)
    inside = eiam("ListUsersInOrgNode", OrgNodeId=eng, IncludeOrgNodeChildInfo=True)
    assert inside["TotalUserNum"] == 0 and inside["OrgNodeChildUserInfo"][0]["TotalUserNum"] == 1
    assert inside["OrgNodeChildUserInfo"][0]["OrgNodeNamePath"].endswith("/engineering/backend")
    assert eiam.error("DeleteOrgNode", OrgNodeId=eng) == "FailedOperation.ChildOrgNodeWithUsersCanNotBeDeleted"
    assert eiam.error("DeleteOrgNode", OrgNodeId=be) == "FailedOperation.OrgNodeWithUsersCanNotBeDeleted"
    assert eiam.error("DeleteOrgNode", OrgNodeId=root["OrgNodeId"]) == "FailedOperation.OrgNodeRootCanNotBeDeleted"
    eiam("ModifyUserInfo", UserId=u, OrgNodeId=root["OrgNodeId"])
    eiam("DeleteOrgNode", OrgNodeId=eng)
    assert eiam.error("DescribeOrgNode", OrgNodeId=be) == "FailedOperation.OrgNodeNotExist"


def test_one_directory_for_both_dialects(server, api, bound):
    pool, eiam = bound
    made = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username="volc-user",
                                               name="Made In Volc", email="volc@x.io"))
    found = eiam("ListUsers", SearchCondition={"UserName": "\"volc-user\""}, IncludeTotal=True)
    assert found["TotalCount"] == 1 and found["UserList"][0]["UserId"] == made.uid
    assert found["UserList"][0]["DisplayName"] == "Made In Volc"
    assert found["UserList"][0]["Status"] == "NOT_ENABLED", "a new Volcengine user is UNCONFIRMED"
    eiam("ModifyUserInfo", UserId=made.uid, DisplayName="Changed In EIAM", Phone="+86-13900000000")
    back = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=made.uid))
    # Phones are stored in E.164; EIAM shows them its own way, the country code apart.
    assert (back.name, back.phone_number) == ("Changed In EIAM", "+8613900000000")
    assert eiam("DescribeUserInfo", UserId=made.uid)["Phone"] == "+86-13900000000"

    uid = eiam("CreateUser", UserName="tc-user", Password="Passw0rd!xyz", DisplayName="Made In EIAM")["UserId"]
    got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid))
    assert (got.preferred_username, got.name, got.user_state) == ("tc-user", "Made In EIAM", "CONFIRMED")
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=uid, user_state="DISABLED"))
    assert eiam("DescribeUserInfo", UserId=uid)["Status"] == "FREEZE"
    searched = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, filter=v.FilterForListUsersInput(preferred_username="TC-USER")))
    assert [u.uid for u in searched.data] == [uid]


def test_default_pool_is_made_on_first_use(server, api):
    ak, sk = server.new_key(account=f"fresh-{uuid.uuid4().hex[:6]}")
    eiam = Eiam(server, ak, sk)
    uid = eiam("CreateUser", UserName="first", Password="Passw0rd!xyz")["UserId"]
    pools = server.api(ak, sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))
    assert [p.name for p in pools.data] == ["default"]
    assert server.api(ak, sk).get_user(v.GetUserRequest(user_pool_uid=pools.data[0].uid, user_uid=uid)).preferred_username == "first"
