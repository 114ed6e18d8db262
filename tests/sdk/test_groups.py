"""Groups and membership through the official SDK."""

import json

import volcenginesdkid as v

from conftest import expect_error, raw_call, raw_error


def users(api, pool, n, prefix="m"):
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"{prefix}{i:02d}") for i in range(n)]))
    return r.successful_uids


def test_crud(server, api, pool):
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="admins", description="all powerful",
                                              precedence=3))
    assert g.name == "admins" and g.precedence == 3 and g.user_pool_uid == pool.uid
    assert api.get_group(v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid)).description == "all powerful"
    u = api.update_group(v.UpdateGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, description="less", precedence=5))
    assert (u.description, u.precedence, u.name) == ("less", 5, "admins")
    expect_error(409, "Duplicated", api.create_group, v.CreateGroupRequest(user_pool_uid=pool.uid, name="admins"))
    r = raw_call(server, "CreateGroup", json.dumps({"UserPoolUid": pool.uid, "Name": "x" * 129}))
    assert raw_error(r) == (400, "InvalidParameter.Name")
    api.delete_group(v.DeleteGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid))
    expect_error(404, "NotFound", api.get_group, v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid))


def test_membership(api, pool):
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="team"))
    other = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="other"))
    uids = users(api, pool, 23)
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=uids[:20]))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=uids[:5]))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=other.uid, user_uids=[uids[0]]))
    expect_error(404, "NotFound", api.add_users_to_group,
                 v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[uids[21], "ghost"]))
    expect_error(404, "NotFound", api.add_users_to_group,
                 v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid="no-group", user_uids=[uids[0]]))

    listed = api.list_groups(v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10,
                                                 filter=v.FilterForListGroupsInput(name="team")))
    assert listed.total_count == 1 and listed.data[0].total_count_of_group_member == 20, "nothing added by the failed call"

    seen, page = [], 1
    while True:
        r = api.list_users_in_group(v.ListUsersInGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid,
                                                              page_number=page, page_size=6))
        assert r.total_count == 20
        seen += [u.uid for u in r.data]
        if len(r.data) < 6:
            break
        page += 1
    assert sorted(seen) == sorted(uids[:20])
    seen, token = [], None
    while True:
        r = api.list_users_in_group(v.ListUsersInGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid,
                                                              max_results=7, next_token=token))
        seen += [u.uid for u in r.data]
        token = r.next_token
        if not token:
            break
    assert sorted(seen) == sorted(uids[:20])

    mine = api.list_groups_for_user(v.ListGroupsForUserRequest(user_pool_uid=pool.uid, user_uid=uids[0],
                                                                page_number=1, page_size=10))
    assert {x.uid for x in mine.data} == {g.uid, other.uid}
    assert set(api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uids[0])).group_uids) == {g.uid, other.uid}

    api.remove_users_from_group(v.RemoveUsersFromGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=uids[:10]))
    assert api.list_users_in_group(v.ListUsersInGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid)).total_count == 10

    api.delete_group(v.DeleteGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid))
    for uid in uids:
        api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid))
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uids[0])).group_uids == [other.uid]


def test_list_filters(api, pool):
    for n in ["alpha", "alphabet", "beta", "gamma-alpha"]:
        api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name=n))

    def names(**kw):
        r = api.list_groups(v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=1, page_size=50,
                                                sort_field="Name", sort_direction="Asc",
                                                filter=v.FilterForListGroupsInput(**kw) if kw else None))
        return [x.name for x in r.data]

    assert names() == ["alpha", "alphabet", "beta", "gamma-alpha"]
    assert names(name="alpha") == ["alpha"]
    assert names(name="alpha", name_match_mode=1) == ["alpha", "alphabet"]
    assert names(name="alpha", name_match_mode=2) == ["alpha", "alphabet", "gamma-alpha"]
    expect_error(400, "InvalidParameter.Filter.NameMatchMode", api.list_groups,
                 v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=1, page_size=5,
                                     filter=v.FilterForListGroupsInput(name="a", name_match_mode=7)))
