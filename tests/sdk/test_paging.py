"""Paging through ListUsers: page numbers and cursors see every row exactly once, under every sort."""

import json
import uuid

import pytest
import volcenginesdkid as v

from conftest import expect_error, raw_call, raw_error

N = 61
SORTS = ["CreateTime", "UpdateTime", "PreferredUsername", "Name", "Email", "PhoneNumber", "Nickname"]
ATTR = {"CreateTime": "create_time", "UpdateTime": "update_time", "PreferredUsername": "preferred_username",
        "Name": "name", "Email": "email", "PhoneNumber": "phone_number", "Nickname": "nickname"}
ALL_SORTS = [None] + [(f, d) for f in SORTS for d in ("Asc", "Desc")]


def sort_id(sort):
    return "default" if sort is None else f"{sort[0]}-{sort[1]}"


@pytest.fixture(scope="module")
def crowd(api):
    """61 users whose sort keys repeat a lot (ties matter) and are sometimes empty."""
    p = api.create_user_pool(v.CreateUserPoolRequest(name=f"crowd-{uuid.uuid4().hex[:8]}"))
    users = [v.UserForCreateUsersInput(
        preferred_username=f"u{i:03d}",
        name=["Same", "Other", f"N{i:02d}"][i % 3],
        email=f"u{i}@crowd.test" if i % 4 else None,
        phone_number=f"+86139{i:08d}" if i % 5 else None,
        nickname=["zed", "amy"][i % 2] if i % 7 else None,
    ) for i in range(N)]
    uids = []
    for chunk in (users[:40], users[40:]):
        r = api.create_users(v.CreateUsersRequest(user_pool_uid=p.uid, users=chunk))
        assert r.failure_count == 0, r.errors_structured
        uids += r.successful_uids
    # Touch a few so UpdateTime differs from CreateTime order for some rows.
    for uid in uids[::9]:
        api.update_user(v.UpdateUserRequest(user_pool_uid=p.uid, user_uid=uid, given_name="touched"))
    return p, uids


def request(pool, sort, **kw):
    req = v.ListUsersRequest(user_pool_uid=pool.uid, **kw)
    if sort:
        req.sort_field, req.sort_direction = sort
    return req


def walk_pages(api, pool, sort, size, expected_total, **kw):
    rows, page = [], 1
    while True:
        r = api.list_users(request(pool, sort, page_number=page, page_size=size, **kw))
        assert r.total_count == expected_total, (page, r.total_count)
        assert r.page_number == page and r.page_size == size
        assert len(r.data) <= size
        rows += r.data
        if len(r.data) < size:
            break
        page += 1
        assert page < 100, "paging does not end"
    return rows


def walk_cursor(api, pool, sort, size, **kw):
    rows, token, calls = [], None, 0
    while True:
        r = api.list_users(request(pool, sort, max_results=size, next_token=token, **kw))
        calls += 1
        assert len(r.data) <= size
        rows += r.data
        token = r.next_token
        if not token:
            break
        assert len(r.data) == size, "only the last page may be short"
        assert calls < 100, "paging does not end"
    return rows, calls


def assert_sorted(rows, sort):
    field, direction = sort or ("CreateTime", "Desc")
    values = [getattr(u, ATTR[field]) or "" for u in rows]
    present = [x for x in values if x]
    assert present == sorted(present, reverse=direction == "Desc"), (field, direction, values)
    empty_at = [i for i, x in enumerate(values) if not x]
    if empty_at:
        assert empty_at == list(range(empty_at[0], empty_at[0] + len(empty_at))), "empty values stay together"
        assert empty_at[0] == 0 or empty_at[-1] == len(values) - 1, "empty values sort first or last"


def assert_each_once(rows, uids):
    seen = [u.uid for u in rows]
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert set(seen) == set(uids), f"missing {set(uids) - set(seen)}, extra {set(seen) - set(uids)}"


@pytest.mark.parametrize("sort", ALL_SORTS, ids=sort_id)
def test_page_paging_sees_every_row_once(api, crowd, sort):
    p, uids = crowd
    rows = walk_pages(api, p, sort, 7, len(uids))
    assert_each_once(rows, uids)
    assert_sorted(rows, sort)
    whole = api.list_users(request(p, sort, page_number=1, page_size=100))
    assert [u.uid for u in whole.data] == [u.uid for u in rows], "pages are slices of one order"


@pytest.mark.parametrize("sort", ALL_SORTS, ids=sort_id)
def test_cursor_paging_sees_every_row_once(api, crowd, sort):
    p, uids = crowd
    rows, calls = walk_cursor(api, p, sort, 8)
    assert_each_once(rows, uids)
    assert_sorted(rows, sort)
    assert calls == -(-len(uids) // 8)
    pages = walk_pages(api, p, sort, 100, len(uids))
    assert [u.uid for u in rows] == [u.uid for u in pages], "cursor and page paging give the same order"


@pytest.mark.parametrize("sort", [("Name", "Asc"), ("Name", "Desc"), ("Nickname", "Asc")], ids=sort_id)
def test_paging_through_a_block_of_ties(api, crowd, sort):
    """Every row has the same sort key: only the tie-breaker orders them."""
    p, uids = crowd
    same = {uid for i, uid in enumerate(uids) if i % 3 == 0}
    flt = v.FilterForListUsersInput(name="Same")
    rows = walk_pages(api, p, sort, 4, len(same), filter=flt)
    assert_each_once(rows, same)
    rows2, calls = walk_cursor(api, p, sort, 7, filter=flt)
    assert_each_once(rows2, same)
    assert calls == 3, "21 rows at 7 a page: the third page is the last and carries no NextToken"


def test_defaults_and_limits(server, api, crowd):
    p, uids = crowd
    default = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid))
    assert len(default.data) == 10 and default.page_number == 1 and default.page_size == 10
    assert default.total_count == len(uids)
    assert [u.uid for u in default.data] == list(reversed(uids))[:10], "default order is CreateTime descending"
    whole = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid, max_results=100))
    assert len(whole.data) == len(uids) and not whole.next_token
    past = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid, page_number=99, page_size=10))
    assert past.data == [] and past.total_count == len(uids)
    for bad in (0, 101):
        # The SDK itself refuses MaxResults over 100, so that one goes raw.
        r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": p.uid, "MaxResults": bad}))
        assert raw_error(r) == (400, "InvalidParameter.MaxResults"), bad
        expect_error(400, "InvalidParameter.PageSize", api.list_users,
                     v.ListUsersRequest(user_pool_uid=p.uid, page_size=bad))
    expect_error(400, "InvalidParameter.PageNumber", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, page_number=0))
    expect_error(400, "InvalidParameter.SortField", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, sort_field="ShoeSize"))
    expect_error(400, "InvalidParameter.SortDirection", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, sort_direction="Sideways"))


def test_sort_direction_any_case(api, crowd):
    p, _ = crowd
    orders = []
    for d in ("asc", "ASC", "Asc"):
        r = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid, page_size=100, sort_field="PreferredUsername",
                                              sort_direction=d))
        orders.append([u.uid for u in r.data])
    assert orders[0] == orders[1] == orders[2]
    names = [u.preferred_username for u in api.list_users(v.ListUsersRequest(
        user_pool_uid=p.uid, page_size=100, sort_field="PreferredUsername", sort_direction="desc")).data]
    assert names == sorted(names, reverse=True)


def test_bad_tokens(server, api, crowd):
    p, _ = crowd
    expect_error(400, "InvalidParameter.NextToken", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, next_token="garbage!!", max_results=5))
    expect_error(400, "InvalidParameter.NextToken", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, next_token="eyJub3QiOiAidGhlIHRva2VuIn0=", max_results=5))
    r = api.list_users(v.ListUsersRequest(user_pool_uid=p.uid, max_results=5, sort_field="Name"))
    assert r.next_token
    expect_error(400, "InvalidParameter.NextToken", api.list_users,
                 v.ListUsersRequest(user_pool_uid=p.uid, next_token=r.next_token, max_results=5, sort_field="Email"))
    raw = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": p.uid, "MaxResults": 5, "NextToken": 42}))
    assert raw_error(raw) == (400, "InvalidParameter.NextToken")


def test_paging_with_a_filter(api, crowd):
    p, uids = crowd
    with_email = {uid for i, uid in enumerate(uids) if i % 4}
    flt = v.FilterForListUsersInput(email_is_null_or_empty=False)
    rows = walk_pages(api, p, ("Email", "Asc"), 9, len(with_email), filter=flt)
    assert_each_once(rows, with_email)
    rows, _ = walk_cursor(api, p, ("PhoneNumber", "Desc"), 9, filter=flt)
    assert_each_once(rows, with_email)
