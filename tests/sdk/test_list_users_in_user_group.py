"""ListUsersInUserGroup exactly as Tencent documents it: the SearchCondition grammar, sorting,
and Offset/Limit paging, through the official SDK."""

import datetime
import uuid

import pytest
import volcenginesdkid as v

from test_tencent import Eiam

MEMBERS = 130


@pytest.fixture(scope="module")
def group(server, api):
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=f"luug-{uuid.uuid4().hex[:8]}"))
    ak, sk = server.new_key(pool=pool.uid)
    eiam = Eiam(server, ak, sk)
    gid = eiam("CreateUserGroup", DisplayName="members")["UserGroupId"]
    users = []
    for chunk in range(0, MEMBERS + 10, 50):
        batch = []
        for i in range(chunk, min(chunk + 50, MEMBERS + 10)):
            batch.append(v.UserForCreateUsersInput(
                preferred_username=f"user{i:03d}",
                name=["Same Name", "Zed", f"Person {i:03d}"][i % 3] if i % 7 else None,
                email=f"u{i}@{'corp' if i % 2 else 'home'}.test" if i % 5 else None,
                phone_number=f"+86-1380000{i:04d}" if i % 4 else None))
        r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=batch))
        assert r.failure_count == 0, r.errors
        users += r.successful_uids
    members = users[:MEMBERS]  # the rest stay outside the group
    for i in range(0, MEMBERS, 100):
        eiam("AddUserToUserGroup", UserIds=members[i:i + 100], UserGroupId=gid)
    for n, uid in enumerate(members[:6]):
        state = ["LOCKED", "DISABLED", "CONFIRMED"][n % 3]
        api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=uid, user_state=state))
    return eiam, gid, set(members), pool


def ids(out):
    return [u["UserId"] for u in out["UserInfo"]]


def search(group_fx, **cond):
    eiam, gid, _, _ = group_fx
    return eiam("ListUsersInUserGroup", UserGroupId=gid, SearchCondition=cond, Offset=0, Limit=100)


def names(out):
    return [u["UserName"] for u in out["UserInfo"]]


def test_required_group_and_unknown_group(group):
    eiam, _, _, _ = group
    assert eiam.error("ListUsersInUserGroup", UserGroupId="") == "MissingParameter"
    assert eiam.error("ListUsersInUserGroup", UserGroupId="no-such-group") == "FailedOperation.GroupIdNotFound"


def test_defaults_first_50_by_display_name(group):
    eiam, gid, members, _ = group
    out = eiam("ListUsersInUserGroup", UserGroupId=gid)
    assert out["TotalNum"] == MEMBERS and len(out["UserInfo"]) == 50 and out["UserGroupId"] == gid
    shown = [(u["DisplayName"], u["UserId"]) for u in out["UserInfo"]]
    assert shown == sorted(shown), "default order: DisplayName ascending, ties by user id"
    for u in out["UserInfo"]:
        assert set(u) == {"UserId", "DisplayName", "UserName", "Phone", "Email", "Status", "DataSource"}
        assert u["DisplayName"] and u["DataSource"] == "idplane"
        assert u["UserId"] in members
    no_name = [u for u in out["UserInfo"] if u["UserName"] in ("user000", "user007")]
    assert all(u["DisplayName"] == u["UserName"] for u in no_name), "DisplayName defaults to UserName"


def test_exact_prefix_and_plain(group):
    assert names(search(group, UserName="\"user010\"")) == ["user010"]
    assert names(search(group, UserName="\"USER010\"")) == ["user010"], "user names match regardless of case"
    assert sorted(names(search(group, UserName="user01*"))) == [f"user01{i}" for i in range(10)]
    assert search(group, UserName="ser12")["TotalNum"] == 10, "a plain value is a substring match"
    assert search(group, UserName="\"ser12\"")["TotalNum"] == 0
    assert search(group, Email="corp.test")["TotalNum"] == len([i for i in range(MEMBERS) if i % 2 and i % 5])
    assert names(search(group, Phone="+86-13800000011")) == ["user011"]
    assert search(group, UserName="user13*")["TotalNum"] == 0, "non-members never appear"


def test_ranges(group):
    assert sorted(names(search(group, UserName="[user010,user013]"))) == ["user010", "user011", "user012", "user013"]
    assert sorted(names(search(group, UserName="{user010,user013}"))) == ["user011", "user012"]
    assert sorted(names(search(group, UserName="{user010,user013]"))) == ["user011", "user012", "user013"]
    assert sorted(names(search(group, UserName="[user126,*]"))) == ["user126", "user127", "user128", "user129"]
    assert sorted(names(search(group, UserName="{*,user002}"))) == ["user000", "user001"]


def test_time_ranges_in_iso_forms(group):
    eiam, gid, _, _ = group
    everyone = []
    for offset in (0, 100):
        everyone += eiam("ListUsers", SearchCondition={"UserName": "user*"},
                         Sort={"SortKey": "CreationTime", "SortOrder": "ASC"}, Offset=offset, Limit=100,
                         ExpectedFields=["UserName", "CreationTime", "LastUpdateTime"])["UserList"]
    assert len(everyone) == MEMBERS + 10
    created = {u["UserName"]: u["CreationTime"] for u in everyone}
    t = created["user060"]
    assert t.endswith("+0000") and "." in t
    after = search(group, CreationTime=f"{{{t},*]")
    expected = {n for n, c in created.items() if c > t and int(n[4:]) < MEMBERS}
    assert set(names(after)) == expected
    at_or_after = search(group, CreationTime=f"[{t},*]")
    assert set(names(at_or_after)) == expected | {n for n, c in created.items() if c == t}
    as_dt = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%f%z")
    for form in (as_dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{as_dt.microsecond // 1000:03d}Z",
                 as_dt.astimezone(datetime.timezone(datetime.timedelta(hours=8))).isoformat(timespec="milliseconds")):
        assert set(names(search(group, CreationTime=f"{{{form},*]"))) == expected, form
    day = t[:10]
    assert search(group, CreationTime=f"[{day},*]")["TotalNum"] == MEMBERS
    assert search(group, CreationTime="[2000-01-01T00:00:00.000+0000,2000-12-31T00:00:00.000+0000]")["TotalNum"] == 0
    assert search(group, LastUpdateTime="[2000-01-01T00:00:00.000+0000,*}")["TotalNum"] == MEMBERS


def test_status_keyword_and_intersection(group):
    assert sorted(names(search(group, Status="LOCKED"))) == ["user000", "user003"]
    assert sorted(names(search(group, Status="FREEZE"))) == ["user001", "user004"]
    assert search(group, Status="NORMAL")["TotalNum"] == 2
    assert search(group, Status="NOT_ENABLED")["TotalNum"] == MEMBERS - 6
    assert sorted(names(search(group, Keyword="er12"))) == [f"user12{i}" for i in range(10)]
    assert sorted(names(search(group, UserName="user0*", Status="LOCKED"))) == ["user000", "user003"]
    assert search(group, UserName="user1*", Status="LOCKED")["TotalNum"] == 0


@pytest.mark.parametrize("cond,code", [
    ({"UserName": "\"abc"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"UserName": "[a,b"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"UserName": "a*b*"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"UserName": "[m,a]"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"Status": "ASLEEP"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"Status": "[NORMAL,LOCKED]"}, "InvalidParameter.SearchCriteriaIllegal"),
    ({"CreationTime": "[yesterday,*]"}, "InvalidParameter.TimeFormatIllegal"),
    ({"CreationTime": "{2021-13-45T00:00:00.000+0000,*]"}, "InvalidParameter.TimeFormatIllegal"),
])
def test_malformed_conditions(group, cond, code):
    eiam, gid, _, _ = group
    assert eiam.error("ListUsersInUserGroup", UserGroupId=gid, SearchCondition=cond) == code


def test_error_says_what_and_where(group):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    eiam, gid, _, _ = group
    with pytest.raises(TencentCloudSDKException) as info:
        eiam("ListUsersInUserGroup", UserGroupId=gid, SearchCondition={"CreationTime": "[2021-01-13T09:44:07.182+0000,*"})
    message = info.value.get_message()
    assert "CreationTime" in message and "offset 31" in message and "unclosed range" in message


@pytest.mark.parametrize("paging", [{"Offset": 0}, {"Limit": 10}, {"Offset": 0, "Limit": 0},
                                    {"Offset": 0, "Limit": 101}, {"Offset": -1, "Limit": 10}])
def test_offset_and_limit_rules(group, paging):
    eiam, gid, _, _ = group
    assert eiam.error("ListUsersInUserGroup", UserGroupId=gid, **paging) == "InvalidParameter"


def test_bad_sort_key(group):
    eiam, gid, _, _ = group
    assert eiam.error("ListUsersInUserGroup", UserGroupId=gid, Sort={"SortKey": "ShoeSize", "SortOrder": "ASC"}) == \
        "InvalidParameter.UserInfoSortKeyIsIllegal"


@pytest.mark.parametrize("key", ["UserName", "DisplayName", "Phone", "Email", "Status", "CreatedDate", "LastModifiedDate"])
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_paging_sees_each_member_once(group, key, order):
    eiam, gid, members, _ = group
    seen, offset = [], 0
    while True:
        out = eiam("ListUsersInUserGroup", UserGroupId=gid, Sort={"SortKey": key, "SortOrder": order},
                   Offset=offset, Limit=17)
        assert out["TotalNum"] == MEMBERS
        seen += ids(out)
        if len(out["UserInfo"]) < 17:
            break
        offset += 17
    assert len(seen) == len(set(seen)) == MEMBERS and set(seen) == members
    past = eiam("ListUsersInUserGroup", UserGroupId=gid, Offset=1000, Limit=10)
    assert past["UserInfo"] == [] and past["TotalNum"] == MEMBERS
