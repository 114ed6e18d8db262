"""Groups and membership through the official SDK."""

import json
from concurrent.futures import ThreadPoolExecutor

import volcenginesdkcore
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


def test_update_fields_and_unknown_group(api, pool):
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="x" * 128))
    trn = "trn:iam::2100000000:role/idplane-test"
    u = api.update_group(v.UpdateGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, iam_role_trn=trn))
    assert u.iam_role_trn == trn and u.name == "x" * 128
    u = api.update_group(v.UpdateGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, description="only this"))
    assert (u.iam_role_trn, u.description) == (trn, "only this"), "fields not sent are kept"
    assert api.get_group(v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid)).iam_role_trn == trn
    for call, req in [(api.get_group, v.GetGroupRequest(user_pool_uid=pool.uid, group_uid="no-group")),
                      (api.update_group, v.UpdateGroupRequest(user_pool_uid=pool.uid, group_uid="no-group",
                                                              description="x")),
                      (api.delete_group, v.DeleteGroupRequest(user_pool_uid=pool.uid, group_uid="no-group")),
                      (api.list_users_in_group, v.ListUsersInGroupRequest(user_pool_uid=pool.uid,
                                                                          group_uid="no-group"))]:
        expect_error(404, "NotFound", call, req)
    expect_error(404, "NotFound", api.list_groups_for_user,
                 v.ListGroupsForUserRequest(user_pool_uid=pool.uid, user_uid="no-user", page_number=1))


def test_names_are_unique_per_pool_only(api, pool):
    api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="shared-name"))
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"{pool.name}-2"))
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=other.uid, name="shared-name"))
    assert g.user_pool_uid == other.uid
    expect_error(404, "NotFound", api.get_group, v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid))


def test_list_groups_pages_and_counts(api, pool):
    made = [api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name=f"pg{i:02d}")) for i in range(13)]
    uids = users(api, pool, 3, prefix="lg")
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=made[0].uid, user_uids=uids))
    seen, page = [], 1
    while True:
        r = api.list_groups(v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=page, page_size=5))
        assert r.total_count == 13
        seen += r.data
        if len(r.data) < 5:
            break
        page += 1
    assert sorted(x.uid for x in seen) == sorted(x.uid for x in made)
    assert [x.uid for x in seen] == [x.uid for x in reversed(made)], "default order is CreateTime descending"
    counts = {x.uid: x.total_count_of_group_member for x in seen}
    assert counts[made[0].uid] == 3 and counts[made[1].uid] == 0


def test_remove_and_delete_update_both_directions(api, pool):
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="both"))
    [uid] = users(api, pool, 1, prefix="bd")
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[uid]))
    api.remove_users_from_group(v.RemoveUsersFromGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[uid]))
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid)).group_uids == []
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[uid]))
    api.delete_group(v.DeleteGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid))
    mine = api.list_groups_for_user(v.ListGroupsForUserRequest(user_pool_uid=pool.uid, user_uid=uid,
                                                                page_number=1, page_size=10))
    assert mine.data == [] and mine.total_count == 0
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid)).group_uids == []


def test_group_name_match_is_literal(api, pool):
    for n in ["50%_off", "50x_off", "500off"]:
        api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name=n))
    r = api.list_groups(v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10,
                                            filter=v.FilterForListGroupsInput(name="50%", name_match_mode=1)))
    assert [g.name for g in r.data] == ["50%_off"]
    r = api.list_groups(v.ListGroupsRequest(user_pool_uid=pool.uid, page_number=1, page_size=10,
                                            filter=v.FilterForListGroupsInput(name="_", name_match_mode=2)))
    assert sorted(g.name for g in r.data) == ["50%_off", "50x_off"]


def test_racing_adds_are_idempotent(server, api, pool):
    g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="race"))
    uids = users(api, pool, 6, prefix="ra")

    def add(i):
        try:
            server.api().add_users_to_group(v.AddUsersToGroupRequest(
                user_pool_uid=pool.uid, group_uid=g.uid, user_uids=uids[i % 3:] if i % 2 else uids))
            return "ok"
        except volcenginesdkcore.rest.ApiException as e:
            return (e.status, e.body)

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(add, range(12)))
    assert set(results) == {"ok"}, results
    r = api.list_users_in_group(v.ListUsersInGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, page_size=100))
    assert r.total_count == 6 and sorted(u.uid for u in r.data) == sorted(uids)
