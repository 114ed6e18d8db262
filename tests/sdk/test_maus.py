"""GetUserPoolMaus (monthly active users) through the official SDK."""

import datetime
import json
import tempfile
import uuid

import pytest
import volcenginesdkid as v

from conftest import Server, expect_error, raw_call, raw_error, secret


def name():
    return f"pool-{uuid.uuid4().hex[:10]}"


def months_now(offset_hours=0):
    """The current month in a fixed-offset zone, read twice (a test may straddle a month's end)."""
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    return {datetime.datetime.now(zone).strftime("%Y-%m") for _ in range(2)}


def account_api(server):
    """An API client of a fresh account, so "all pools" answers are exact."""
    ak, sk = server.new_key(account=f"acct-{uuid.uuid4().hex[:10]}")
    return server.api(ak, sk)


def maus(api, **kwargs):
    out = api.get_user_pool_maus(v.GetUserPoolMausRequest(**kwargs))
    return out.month, [(m.user_pool_uid, m.mau) for m in out.user_pool_maus]


def test_empty_body_answers_every_pool_of_the_account(server):
    api = account_api(server)
    month, figures = maus(api)
    assert month in months_now() and figures == []
    pools = sorted(api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid for _ in range(3))
    month, figures = maus(api)
    assert month in months_now()
    assert figures == [(uid, 0) for uid in pools], "every pool, ordered by uid, 0 without activity"
    # Another account's pools never appear.
    other = account_api(server)
    assert maus(other)[1] == []
    # An empty list is the same as none.
    assert maus(api, user_pool_uids=[])[1] == [(uid, 0) for uid in pools]


def test_named_pools_and_month(server):
    api = account_api(server)
    a = api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    b = api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    month, figures = maus(api, user_pool_uids=[b, a], month="2025-12")
    assert month == "2025-12"
    assert figures == [(b, 0), (a, 0)], "named pools answer in the order asked"
    assert maus(api, user_pool_uids=[a, a])[1] == [(a, 0)], "a pool named twice answers once"
    month, _ = maus(api, user_pool_uids=[a])
    assert month in months_now()


def test_unknown_and_foreign_pools_are_not_found(server, api):
    mine = api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    other = account_api(server)
    theirs = other.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    for asked in ([theirs], [mine, theirs], [str(uuid.uuid4())]):
        expect_error(404, "NotFound", api.get_user_pool_maus, v.GetUserPoolMausRequest(user_pool_uids=asked))
    expect_error(404, "NotFound", other.get_user_pool_maus, v.GetUserPoolMausRequest(user_pool_uids=[mine]))
    # A deleted pool without any recorded activity is gone.
    api.delete_user_pool(v.DeleteUserPoolRequest(user_pool_uid=mine))
    expect_error(404, "NotFound", api.get_user_pool_maus, v.GetUserPoolMausRequest(user_pool_uids=[mine]))
    assert mine not in dict(maus(api)[1])


@pytest.mark.parametrize("month", ["2025-13", "2025/12", "25-01", "2025-1", "2025-00", "2025-012", "202512",
                                   "abcd-ef", "2025-12-01", " 2025-12", "0000-01"])
def test_bad_months(api, month):
    error = expect_error(400, "InvalidParameter.Month", api.get_user_pool_maus,
                         v.GetUserPoolMausRequest(month=month))
    assert "YYYY-MM" in error["Message"]


def test_at_most_1000_pools_named(api):
    expect_error(400, "InvalidParameter.UserPoolUids", api.get_user_pool_maus,
                 v.GetUserPoolMausRequest(user_pool_uids=[str(uuid.uuid4()) for _ in range(1001)]))


def test_bad_month_wins_over_unknown_pool(api):
    expect_error(400, "InvalidParameter.Month", api.get_user_pool_maus,
                 v.GetUserPoolMausRequest(month="2025-13", user_pool_uids=[str(uuid.uuid4())]))


def test_admin_actions_are_not_activity(server):
    api = account_api(server)
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    user = api.create_user(v.CreateUserRequest(user_pool_uid=pool, preferred_username="admin-made",
                                               password=secret("Sup3r-secret-pass!")))
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool, user_uid=user.uid, nickname="renamed"))
    api.get_user(v.GetUserRequest(user_pool_uid=pool, user_uid=user.uid))
    api.list_users(v.ListUsersRequest(user_pool_uid=pool, page_number=1, page_size=10))
    api.create_users(v.CreateUsersRequest(user_pool_uid=pool, users=[
        v.UserForCreateUsersInput(preferred_username=f"bulk-{i}") for i in range(3)]))
    api.update_user_pool(v.UpdateUserPoolRequest(user_pool_uid=pool, description="touched"))
    _, figures = maus(api)
    assert figures == [(pool, 0)]
    _, figures = maus(api, user_pool_uids=[pool])
    assert figures == [(pool, 0)]


def test_bound_key_sees_its_pool(server):
    account = f"acct-{uuid.uuid4().hex[:10]}"
    ak, sk = server.new_key(account=account)
    root = server.api(ak, sk)
    a = root.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    b = root.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    bound = server.api(*server.new_key(account=account, pool=a))
    assert maus(bound)[1] == [(a, 0)]
    assert maus(bound, user_pool_uids=[a])[1] == [(a, 0)]
    expect_error(403, "AccessDenied", bound.get_user_pool_maus, v.GetUserPoolMausRequest(user_pool_uids=[b]))
    assert len(maus(root)[1]) == 2


@pytest.mark.parametrize("zone,offset", [("+14:00", 14), ("-12:00", -12), ("Etc/GMT-14", 14)])
def test_configured_time_zone_sets_the_current_month(zone, offset):
    with tempfile.TemporaryDirectory() as d:
        s = Server(d, {"IDPLANE_MAU_TIME_ZONE": zone}).start()
        try:
            month, _ = maus(s.api())
            assert month in months_now(offset)
        finally:
            assert s.stop() == 0, s.log()


def test_bad_time_zone_stops_start_up():
    with tempfile.TemporaryDirectory() as d:
        with pytest.raises(RuntimeError) as info:
            Server(d, {"IDPLANE_MAU_TIME_ZONE": "Mars/Olympus_Mons"}).start()
        assert "mau_time_zone" in str(info.value)


def test_raw_json_body(server):
    """The documented request body `{}`, an empty body, and wrongly typed fields."""
    ak, sk = server.new_key(account=f"acct-{uuid.uuid4().hex[:10]}")
    api = server.api(ak, sk)
    pool = api.create_user_pool(v.CreateUserPoolRequest(name=name())).uid
    for body, month in ((b"{}", None), (b"", None), (json.dumps({"UserPoolUids": [pool], "Month": "2024-02"}), "2024-02")):
        r = raw_call(server, "GetUserPoolMaus", body, ak=ak, sk=sk)
        assert r.status_code == 200, r.text
        result = r.json()["Result"]
        assert result["UserPoolMaus"] == [{"UserPoolUid": pool, "Mau": 0}]
        assert result["Month"] in ({month} if month else months_now())
    for body, code in (({"Month": 202402}, "InvalidParameter.Month"),
                       ({"UserPoolUids": pool}, "InvalidParameter.UserPoolUids"),
                       ({"UserPoolUids": ["not a uid!"]}, "InvalidParameter.UserPoolUid")):
        r = raw_call(server, "GetUserPoolMaus", json.dumps(body), ak=ak, sk=sk)
        assert raw_error(r) == (400, code), r.text
