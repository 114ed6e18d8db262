"""The department tree through the official SDK."""

import json
from concurrent.futures import ThreadPoolExecutor

import volcenginesdkcore
import volcenginesdkid as v

from conftest import expect_error, raw_call


def dept(api, pool, parent, name, **kw):
    return api.create_department(v.CreateDepartmentRequest(user_pool_uid=pool.uid, parent_department_uid=parent,
                                                           name=name, **kw))


def test_tree_moves_and_counts(api, pool):
    root = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid="root"))
    assert root.name == pool.name and root.parent_department_uid == "" and root.path == f"/{root.uid}/"
    eng = dept(api, pool, "root", "eng", external_id="E1", source="hr")
    be = dept(api, pool, eng.uid, "backend")
    fe = dept(api, pool, eng.uid, "frontend")
    db = dept(api, pool, be.uid, "db")
    sales = dept(api, pool, root.uid, "sales")
    assert db.path == f"/{root.uid}/{eng.uid}/{be.uid}/{db.uid}/"
    assert db.name_path == f"{pool.name}/eng/backend/db"
    expect_error(409, "Duplicated", dept, api, pool, eng.uid, "backend")
    expect_error(404, "NotFound", dept, api, pool, "no-such-parent", "x")

    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"d{i}") for i in range(4)]))
    u = r.successful_uids
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=db.uid, user_uids=u[:2]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=be.uid, user_uids=u[1:3]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid, user_uids=[u[3]]))
    g = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid))
    assert (g.direct_children_count, g.member_count) == (2, 3)
    g = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=be.uid))
    assert (g.direct_children_count, g.member_count) == (1, 3)

    tree = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid="root"))
    assert len(tree.roots) == 1 and tree.roots[0].department.uid == root.uid and tree.roots[0].member_count == 4
    kids = {c["Department"]["Name"]: c for c in tree.roots[0].children}
    assert set(kids) == {"eng", "sales"}
    assert kids["eng"]["Children"][0]["Department"]["Name"] in {"backend", "frontend"}
    shallow = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid,
                                                                 root_department_uid=eng.uid, max_depth=1))
    assert {c["Department"]["Name"] for c in shallow.roots[0].children} == {"backend", "frontend"}
    assert all(c["Children"] == [] for c in shallow.roots[0].children)
    only = api.get_department_tree(v.GetDepartmentTreeRequest(
        user_pool_uid=pool.uid, root_department_uid="root", filter=v.FilterForGetDepartmentTreeInput(name="db"),
        filter_result_mode=1))
    assert only.roots[0].children[0]["Children"][0]["Children"][0]["Department"]["Uid"] == db.uid
    flat = api.get_department_tree(v.GetDepartmentTreeRequest(
        user_pool_uid=pool.uid, root_department_uid="root", filter=v.FilterForGetDepartmentTreeInput(name="db"),
        filter_result_mode=0))
    assert [x.department.uid for x in flat.roots] == [db.uid]

    listed = api.list_departments(v.ListDepartmentsRequest(user_pool_uid=pool.uid, parent_department_uid=eng.uid,
                                                           page_number=1, page_size=10, sort_field="Name"))
    assert [d.name for d in listed.data] == ["backend", "frontend"] and listed.total_count == 2

    # Move backend (with db below it) under sales; paths follow.
    moved = api.update_department(v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=be.uid,
                                                            parent_department_uid=sales.uid, name="platform"))
    assert moved.path == f"/{root.uid}/{sales.uid}/{be.uid}/"
    db2 = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=db.uid))
    assert db2.path == f"/{root.uid}/{sales.uid}/{be.uid}/{db.uid}/"
    assert db2.name_path == f"{pool.name}/sales/platform/db"
    assert api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid)).member_count == 4
    expect_error(400, "InvalidParameter.ParentDepartmentUid", api.update_department,
                 v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid,
                                           parent_department_uid=db.uid))

    mine = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=u[1]))
    assert {d.department.uid for d in mine.departments} == {db.uid, be.uid}
    inside = api.list_users_in_department(v.ListUsersInDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=sales.uid, page_number=1, page_size=10,
        filter=v.FilterForListUsersInDepartmentInput(department_uid_recursive=True)))
    assert inside.total_count == 4
    direct = api.list_users_in_department(v.ListUsersInDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=sales.uid, page_number=1, page_size=10))
    assert [x.uid for x in direct.data] == [u[3]]

    # Deleting: root never; children and members need the force flags; users stay.
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid="root"))
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid))
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid, force_delete_children=True))
    api.delete_department(v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=fe.uid))
    api.remove_users_from_department(v.RemoveUsersFromDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=sales.uid, user_uids=[u[3]]))
    api.delete_department(v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=sales.uid,
                                                    force_delete_children=True, force_delete_members=True))
    for d in (sales, be, db):
        expect_error(404, "NotFound", api.get_department,
                     v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=d.uid))
    for uid in u:
        assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid)).department_uids == []


def get(api, pool, uid):
    return api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=uid))


def counts(server, pool, uid):
    """(DirectChildrenCount, DirectMemberCount, MemberCount): the SDK's model lacks DirectMemberCount, so raw."""
    r = raw_call(server, "GetDepartment", json.dumps({"UserPoolUid": pool.uid, "DepartmentUid": uid}))
    assert r.status_code == 200, r.text
    d = r.json()["Result"]
    return d["DirectChildrenCount"], d.get("DirectMemberCount"), d["MemberCount"]


def test_root_alias_and_counts(server, api, pool):
    root = get(api, pool, "root")
    assert root.uid != "root" and get(api, pool, root.uid).uid == root.uid
    assert root.name == pool.name and root.name_path == pool.name
    a = dept(api, pool, "root", "a")
    b = dept(api, pool, root.uid, "b")
    a1 = dept(api, pool, a.uid, "a1")
    assert a.parent_department_uid == root.uid and a1.parent_department_uid == a.uid
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"c{i}") for i in range(5)]))
    u = r.successful_uids
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=a.uid, user_uids=u[:2]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=a.uid, user_uids=u[:2]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=a1.uid, user_uids=u[1:4]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid="root", user_uids=[u[4]]))
    assert counts(server, pool, a.uid) == (1, 2, 4)
    assert counts(server, pool, a1.uid) == (0, 3, 3)
    assert counts(server, pool, b.uid) == (0, 0, 0)
    assert counts(server, pool, "root") == (2, 1, 5)
    assert set(api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=u[1])).department_uids) == {a.uid, a1.uid}
    expect_error(404, "NotFound", api.add_users_to_department, v.AddUsersToDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=b.uid, user_uids=[u[0], "ghost"]))
    assert get(api, pool, b.uid).member_count == 0, "nothing added by the failed call"


def test_names_unique_among_siblings_only(api, pool):
    x = dept(api, pool, "root", "x")
    y = dept(api, pool, "root", "y")
    dept(api, pool, x.uid, "same")
    dept(api, pool, y.uid, "same")
    expect_error(409, "Duplicated", dept, api, pool, "root", "x")
    expect_error(409, "Duplicated", api.update_department,
                 v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=y.uid, name="x"))
    # Moving a node next to a sibling of the same name clashes too.
    s_under_y = api.list_departments(v.ListDepartmentsRequest(user_pool_uid=pool.uid, parent_department_uid=y.uid,
                                                              page_number=1, page_size=10)).data[0]
    expect_error(409, "Duplicated", api.update_department, v.UpdateDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=s_under_y.uid, parent_department_uid=x.uid))


def test_moves_that_would_make_a_cycle(api, pool):
    a = dept(api, pool, "root", "a")
    b = dept(api, pool, a.uid, "b")
    c = dept(api, pool, b.uid, "c")
    for target in (a.uid, b.uid, c.uid):
        expect_error(400, "InvalidParameter.ParentDepartmentUid", api.update_department,
                     v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=a.uid,
                                               parent_department_uid=target))
    expect_error(404, "NotFound", api.update_department, v.UpdateDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=a.uid, parent_department_uid="no-such-dept"))
    moved = api.update_department(v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=c.uid,
                                                            parent_department_uid="root"))
    root = get(api, pool, "root")
    assert moved.path == f"/{root.uid}/{c.uid}/" and moved.name_path == f"{pool.name}/c"
    assert get(api, pool, a.uid).path == f"/{root.uid}/{a.uid}/"
    assert get(api, pool, b.uid).direct_children_count == 0


def test_delete_rules(api, pool):
    members_only = dept(api, pool, "root", "members-only")
    kids_only = dept(api, pool, "root", "kids-only")
    kid = dept(api, pool, kids_only.uid, "kid")
    [uid] = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username="member")])).successful_uids
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=members_only.uid,
                                                              user_uids=[uid]))
    root = get(api, pool, "root")
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=root.uid))
    expect_error(409, "Conflict", api.delete_department, v.DeleteDepartmentRequest(
        user_pool_uid=pool.uid, department_uid="root", force_delete_children=True, force_delete_members=True))
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=members_only.uid))
    expect_error(409, "Conflict", api.delete_department, v.DeleteDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=members_only.uid, force_delete_children=True))
    expect_error(409, "Conflict", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=kids_only.uid))
    expect_error(409, "Conflict", api.delete_department, v.DeleteDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=kids_only.uid, force_delete_members=True))
    api.delete_department(v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=members_only.uid,
                                                    force_delete_members=True))
    api.delete_department(v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=kids_only.uid,
                                                    force_delete_children=True))
    for d in (members_only, kids_only, kid):
        expect_error(404, "NotFound", get, api, pool, d.uid)
    assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid)).department_uids == []
    assert get(api, pool, "root").direct_children_count == 0
    expect_error(404, "NotFound", api.delete_department,
                 v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=kid.uid))


def test_list_departments_paging(server, api, pool):
    made = [dept(api, pool, "root", f"d{i:02d}") for i in range(11)]
    dept(api, pool, made[0].uid, "grandchild")
    seen, page = [], 1
    while True:
        r = api.list_departments(v.ListDepartmentsRequest(user_pool_uid=pool.uid, parent_department_uid="root",
                                                          page_number=page, page_size=4, sort_field="Name",
                                                          sort_direction="Asc"))
        assert r.total_count == 11
        seen += [d.name for d in r.data]
        if len(r.data) < 4:
            break
        page += 1
    assert seen == [f"d{i:02d}" for i in range(11)], "direct children only, each once"
    names, token, calls = [], None, 0
    while True:
        body = {"UserPoolUid": pool.uid, "ParentDepartmentUid": "root", "MaxResults": 3, "SortField": "Name",
                "SortDirection": "Desc"}
        if token:
            body["NextToken"] = token
        r = raw_call(server, "ListDepartments", json.dumps(body))
        assert r.status_code == 200, r.text
        res = r.json()["Result"]
        names += [d["Name"] for d in res["Data"]]
        token = res.get("NextToken")
        calls += 1
        if not token:
            break
    assert names == [f"d{i:02d}" for i in reversed(range(11))] and calls == 4
    expect_error(404, "NotFound", api.list_departments, v.ListDepartmentsRequest(
        user_pool_uid=pool.uid, parent_department_uid="no-such-dept", page_number=1, page_size=4))


def test_tree_depths(api, pool):
    chain = ["root"]
    for i in range(4):
        chain.append(dept(api, pool, chain[-1], f"level{i + 1}").uid)

    def depth(node):
        kids = node["Children"] if isinstance(node, dict) else node.children
        return 1 + max((depth(k) for k in kids), default=0)

    full = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid="root"))
    assert depth(full.roots[0]) == 5
    for max_depth in (1, 2, 3):
        t = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid="root",
                                                               max_depth=max_depth))
        assert depth(t.roots[0]) == max_depth + 1, max_depth
    sub = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid=chain[2]))
    assert sub.roots[0].department.uid == chain[2] and depth(sub.roots[0]) == 3
    expect_error(404, "NotFound", api.get_department_tree,
                 v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid="no-such-dept"))


def test_users_in_department_and_reverse(api, pool):
    d = dept(api, pool, "root", "team")
    uids = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"t{i:02d}") for i in range(12)])).successful_uids
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=d.uid,
                                                              user_uids=uids))
    seen, page = [], 1
    while True:
        r = api.list_users_in_department(v.ListUsersInDepartmentRequest(
            user_pool_uid=pool.uid, department_uid=d.uid, page_number=page, page_size=5))
        assert r.total_count == 12
        seen += [u.uid for u in r.data]
        if len(r.data) < 5:
            break
        page += 1
    assert sorted(seen) == sorted(uids) and len(seen) == 12
    api.remove_users_from_department(v.RemoveUsersFromDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=d.uid, user_uids=uids[:4]))
    assert api.list_users_in_department(v.ListUsersInDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=d.uid, page_number=1, page_size=5)).total_count == 8
    assert api.list_departments_for_user(v.ListDepartmentsForUserRequest(
        user_pool_uid=pool.uid, user_uid=uids[0])).departments in ([], None)
    mine = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=uids[5]))
    assert [x.department.uid for x in mine.departments] == [d.uid]
    expect_error(404, "NotFound", api.list_departments_for_user,
                 v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid="no-user"))


def race(server, *calls):
    """Runs the calls at once, each on its own client; returns "ok" or (status, code) for each."""
    def one(fn_req):
        fn_name, req = fn_req
        try:
            getattr(server.api(), fn_name)(req)
            return "ok"
        except volcenginesdkcore.rest.ApiException as e:
            return (e.status, json.loads(e.body)["ResponseMetadata"]["Error"]["Code"])

    with ThreadPoolExecutor(len(calls)) as ex:
        return list(ex.map(one, calls))


def test_racing_moves_never_make_a_cycle(server, api, pool):
    """A under B and B under A at the same time: at most one move wins, and the tree stays a tree."""
    root = get(api, pool, "root")
    for i in range(8):
        a = dept(api, pool, "root", f"a{i}")
        b = dept(api, pool, "root", f"b{i}")
        results = race(server,
                       ("update_department", v.UpdateDepartmentRequest(
                           user_pool_uid=pool.uid, department_uid=a.uid, parent_department_uid=b.uid)),
                       ("update_department", v.UpdateDepartmentRequest(
                           user_pool_uid=pool.uid, department_uid=b.uid, parent_department_uid=a.uid)))
        assert results.count("ok") == 1, results
        assert set(results) <= {"ok", (400, "InvalidParameter.ParentDepartmentUid")}, results
        for d in (a, b):
            path = get(api, pool, d.uid).path
            assert path.startswith(f"/{root.uid}/") and path.count(d.uid) == 1, path
    tree = api.get_department_tree(v.GetDepartmentTreeRequest(user_pool_uid=pool.uid, root_department_uid="root"))

    def count(node):
        kids = node["Children"] if isinstance(node, dict) else node.children
        return 1 + sum(count(k) for k in kids)

    assert count(tree.roots[0]) == 1 + 16, "every department is reachable from the root"


def test_racing_delete_and_create_child(server, api, pool):
    """Deleting a childless department while a child is created under it: one of the two must lose."""
    outcomes = set()
    for i in range(10):
        d = dept(api, pool, "root", f"parent{i}")
        got = race(server,
                   ("delete_department", v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=d.uid)),
                   ("create_department", v.CreateDepartmentRequest(user_pool_uid=pool.uid,
                                                                   parent_department_uid=d.uid, name="kid")))
        outcomes.add(tuple(got))
    assert outcomes <= {((409, "Conflict"), "ok"), ("ok", (404, "NotFound"))}, outcomes


def test_racing_delete_and_add_member(server, api, pool):
    """Deleting a memberless department while a user is added to it: one of the two must lose."""
    [uid] = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username="joiner")])).successful_uids
    outcomes = set()
    for i in range(10):
        d = dept(api, pool, "root", f"team{i}")
        got = race(server,
                   ("delete_department", v.DeleteDepartmentRequest(user_pool_uid=pool.uid, department_uid=d.uid)),
                   ("add_users_to_department", v.AddUsersToDepartmentRequest(
                       user_pool_uid=pool.uid, department_uid=d.uid, user_uids=[uid])))
        outcomes.add(tuple(got))
    assert outcomes <= {((409, "Conflict"), "ok"), ("ok", (404, "NotFound"))}, outcomes
    for d_uid in api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=uid)).department_uids:
        get(api, pool, d_uid)
