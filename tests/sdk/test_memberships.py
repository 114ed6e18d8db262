"""Batch reads of who belongs where, through the official SDK: ListGroupsForUsers,
BatchListDepartmentsForUsers, BatchGetDepartments, GetDepartmentPath — with their errors, another
tenant's ids and oversized batches."""

import json
import uuid

import volcenginesdkid as v

from conftest import expect_error, raw_call


def users(api, pool, n):
    r = api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
        v.UserForCreateUsersInput(preferred_username=f"m{uuid.uuid4().hex[:8]}") for _ in range(n)]))
    return r.successful_uids


def group(api, pool, name):
    return api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name=name))


def dept(api, pool, parent, name):
    return api.create_department(v.CreateDepartmentRequest(user_pool_uid=pool.uid, parent_department_uid=parent,
                                                           name=name))


def test_groups_for_users(api, pool):
    u = users(api, pool, 3)
    a, b = group(api, pool, "alpha"), group(api, pool, "beta")
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=a.uid, user_uids=u[:2]))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=b.uid, user_uids=[u[1]]))
    r = api.list_groups_for_users(v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=[u[2], u[1], u[0], u[1]]))
    got = [(d.user_uid, [g.uid for g in d.groups]) for d in r.data]
    # In the order asked, each user once, groups in the order joined; a user in none has an empty list.
    assert got == [(u[2], []), (u[1], [a.uid, b.uid]), (u[0], [a.uid])]
    g = r.data[1].groups[0]
    assert (g.name, g.user_pool_uid, g.total_count_of_group_member) == ("alpha", pool.uid, 2)

    expect_error(404, "NotFound", api.list_groups_for_users,
                 v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=[u[0], "no-such-user"]))
    expect_error(400, "MissingParameter.UserUids", api.list_groups_for_users,
                 v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=[]))
    expect_error(400, "InvalidParameter.UserUids", api.list_groups_for_users,
                 v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=[f"u{i}" for i in range(101)]))
    expect_error(400, "InvalidParameter.UserUids", api.list_groups_for_users,
                 v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=["bad uid!"]))


def test_another_pools_users_are_not_found(server, api, pool):
    mine = users(api, pool, 1)
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    theirs = users(api, other, 1)
    for call, req in [(api.list_groups_for_users, v.ListGroupsForUsersRequest),
                      (api.batch_list_departments_for_users, v.BatchListDepartmentsForUsersRequest)]:
        expect_error(404, "NotFound", call, req(user_pool_uid=pool.uid, user_uids=mine + theirs))
        expect_error(404, "NotFound", call, req(user_pool_uid=f"up-{uuid.uuid4().hex}", user_uids=mine))
    root = api.get_department(v.GetDepartmentRequest(user_pool_uid=other.uid, department_uid="root"))
    expect_error(404, "NotFound", api.get_department_path,
                 v.GetDepartmentPathRequest(user_pool_uid=pool.uid, department_uid=root.uid))
    body = json.dumps({"UserPoolUid": pool.uid, "DepartmentUids": [root.uid]})
    r = raw_call(server, "BatchGetDepartments", body)
    assert r.status_code == 200 and r.json()["Result"]["DepartmentsByUid"] == {}


def test_departments_for_users(api, pool):
    u = users(api, pool, 3)
    eng = dept(api, pool, "root", "eng")
    ops = dept(api, pool, "root", "ops")
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid, user_uids=u[:2]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=ops.uid, user_uids=[u[0]]))
    r = api.batch_list_departments_for_users(
        v.BatchListDepartmentsForUsersRequest(user_pool_uid=pool.uid, user_uids=u))
    got = [(x.user_uid, [(m.department.uid, m.is_primary) for m in x.departments]) for x in r.users]
    assert got == [(u[0], [(eng.uid, True), (ops.uid, False)]), (u[1], [(eng.uid, True)]), (u[2], [])]
    # The same answer, user by user, as ListDepartmentsForUser gives.
    one = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=u[0]))
    assert [m.department.uid for m in one.departments] == [eng.uid, ops.uid]
    expect_error(404, "NotFound", api.batch_list_departments_for_users,
                 v.BatchListDepartmentsForUsersRequest(user_pool_uid=pool.uid, user_uids=["nobody"]))


def test_department_path_and_batch_get(server, api, pool):
    root = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid="root"))
    eng = dept(api, pool, "root", "eng")
    be = dept(api, pool, eng.uid, "backend")
    db = dept(api, pool, be.uid, "db")
    path = api.get_department_path(v.GetDepartmentPathRequest(user_pool_uid=pool.uid, department_uid=db.uid)).path
    assert [d.uid for d in path] == [root.uid, eng.uid, be.uid, db.uid]
    assert [d.name_path for d in path][-1] == f"{pool.name}/eng/backend/db"
    top = api.get_department_path(v.GetDepartmentPathRequest(user_pool_uid=pool.uid, department_uid="root")).path
    assert [d.uid for d in top] == [root.uid]
    # A move shows at once.
    api.update_department(v.UpdateDepartmentRequest(user_pool_uid=pool.uid, department_uid=be.uid,
                                                    parent_department_uid=root.uid))
    path = api.get_department_path(v.GetDepartmentPathRequest(user_pool_uid=pool.uid, department_uid=db.uid)).path
    assert [d.uid for d in path] == [root.uid, be.uid, db.uid]
    expect_error(404, "NotFound", api.get_department_path,
                 v.GetDepartmentPathRequest(user_pool_uid=pool.uid, department_uid="no-such-department"))

    # The SDK's model of DepartmentsByUid declares no fields, so the map is read from the wire.
    assert api.batch_get_departments(v.BatchGetDepartmentsRequest(
        user_pool_uid=pool.uid, department_uids=[eng.uid])) is not None
    body = json.dumps({"UserPoolUid": pool.uid, "DepartmentUids": [eng.uid, db.uid, "unknown", eng.uid]})
    r = raw_call(server, "BatchGetDepartments", body)
    assert r.status_code == 200, r.text
    by_uid = r.json()["Result"]["DepartmentsByUid"]
    assert sorted(by_uid) == sorted([eng.uid, db.uid])
    assert by_uid[db.uid]["Name"] == "db" and by_uid[db.uid]["ParentDepartmentUid"] == be.uid
    r = raw_call(server, "BatchGetDepartments", json.dumps({"UserPoolUid": pool.uid}))
    assert r.status_code == 200 and r.json()["Result"]["DepartmentsByUid"] == {}
    too_many = json.dumps({"UserPoolUid": pool.uid, "DepartmentUids": [f"d{i}" for i in range(101)]})
    r = raw_call(server, "BatchGetDepartments", too_many)
    assert r.status_code == 400 and r.json()["ResponseMetadata"]["Error"]["Code"] == "InvalidParameter.DepartmentUids"


def test_change_users_department(api, pool):
    u = users(api, pool, 3)
    eng, ops, hr = dept(api, pool, "root", "eng"), dept(api, pool, "root", "ops"), dept(api, pool, "root", "hr")
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid, user_uids=u[:2]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=hr.uid, user_uids=[u[0]]))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=ops.uid, user_uids=[u[1]]))

    def departments():
        r = api.batch_list_departments_for_users(
            v.BatchListDepartmentsForUsersRequest(user_pool_uid=pool.uid, user_uids=u))
        return [[(m.department.uid, m.is_primary) for m in x.departments] for x in r.users]

    before = departments()
    # One user not in the origin: nothing moves (the whole batch is one write).
    expect_error(409, "Conflict", api.change_users_department, v.ChangeUsersDepartmentRequest(
        user_pool_uid=pool.uid, origin_department_uid=eng.uid, new_department_uid=ops.uid, user_uids=u))
    assert departments() == before
    for origin, new in [("no-such-department", ops.uid), (eng.uid, "no-such-department")]:
        expect_error(404, "NotFound", api.change_users_department, v.ChangeUsersDepartmentRequest(
            user_pool_uid=pool.uid, origin_department_uid=origin, new_department_uid=new, user_uids=u[:2]))
    assert departments() == before

    api.change_users_department(v.ChangeUsersDepartmentRequest(
        user_pool_uid=pool.uid, origin_department_uid=eng.uid, new_department_uid=ops.uid, user_uids=u[:2]))
    # u0's primary membership moves and stays primary; u1 was in ops already and just leaves eng.
    assert departments() == [[(ops.uid, True), (hr.uid, False)], [(ops.uid, True)], []]
    g = api.get_department(v.GetDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid))
    assert g.member_count == 0
    expect_error(400, "MissingParameter.UserUids", api.change_users_department, v.ChangeUsersDepartmentRequest(
        user_pool_uid=pool.uid, origin_department_uid=ops.uid, new_department_uid=eng.uid, user_uids=[]))


def test_change_users_department_stays_in_its_pool(api, pool):
    mine = users(api, pool, 1)
    eng = dept(api, pool, "root", "eng")
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid, user_uids=mine))
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    theirs = dept(api, other, "root", "theirs")
    expect_error(404, "NotFound", api.change_users_department, v.ChangeUsersDepartmentRequest(
        user_pool_uid=pool.uid, origin_department_uid=eng.uid, new_department_uid=theirs.uid, user_uids=mine))
    expect_error(404, "NotFound", api.change_users_department, v.ChangeUsersDepartmentRequest(
        user_pool_uid=other.uid, origin_department_uid=eng.uid, new_department_uid=theirs.uid, user_uids=mine))
    r = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=mine[0]))
    assert [m.department.uid for m in r.departments] == [eng.uid]


def test_department_members_roles_and_primary(api, pool):
    u = users(api, pool, 3)
    eng, ops = dept(api, pool, "root", "eng"), dept(api, pool, "root", "ops")
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid, user_uids=u))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=ops.uid, user_uids=u[:2]))

    def members(department, **kw):
        r = api.list_department_members(v.ListDepartmentMembersRequest(
            user_pool_uid=pool.uid, department_uid=department.uid, page_number=kw.pop("page", 1),
            page_size=kw.pop("size", 10), **kw))
        return r.total_count, [(m.user_uid, m.is_primary, m.role) for m in r.members]

    total, listed = members(eng)
    assert total == 3 and sorted(listed) == sorted((x, True, "member") for x in u)
    total, listed = members(ops)
    assert total == 2 and sorted(listed) == sorted((x, False, "member") for x in u[:2])

    # ops becomes u0's primary department, and u1 leads ops.
    api.update_department_member(v.UpdateDepartmentMemberRequest(
        user_pool_uid=pool.uid, department_uid=ops.uid, user_uid=u[0], is_primary=True))
    api.update_department_member(v.UpdateDepartmentMemberRequest(
        user_pool_uid=pool.uid, department_uid=ops.uid, user_uid=u[1], role="leader"))
    assert dict((m[0], m[1:]) for m in members(ops)[1]) == {u[0]: (True, "member"), u[1]: (False, "leader")}
    assert members(ops, is_primary=True) == (1, [(u[0], True, "member")])
    assert members(ops, role="leader") == (1, [(u[1], False, "leader")])
    assert members(eng, is_primary=False) == (1, [(u[0], False, "member")])
    # Every list of a user's departments agrees: primary first, with the role.
    one = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=u[0]))
    assert [(m.department.uid, m.is_primary) for m in one.departments] == [(ops.uid, True), (eng.uid, False)]
    many = api.batch_list_departments_for_users(
        v.BatchListDepartmentsForUsersRequest(user_pool_uid=pool.uid, user_uids=[u[1]]))
    assert [(m.department.uid, m.role) for m in many.users[0].departments] == [(eng.uid, "member"), (ops.uid, "leader")]

    # Paging: one member a page, each once, with the exact total.
    seen = [members(eng, page=n, size=1)[1][0][0] for n in (1, 2, 3)]
    assert sorted(seen) == sorted(u) and members(eng, page=4, size=1) == (3, [])

    # Not primary any more: the next department takes over; a user's only department stays primary.
    api.update_department_member(v.UpdateDepartmentMemberRequest(
        user_pool_uid=pool.uid, department_uid=ops.uid, user_uid=u[0], is_primary=False))
    assert members(eng, is_primary=True)[0] == 3
    expect_error(409, "Conflict", api.update_department_member, v.UpdateDepartmentMemberRequest(
        user_pool_uid=pool.uid, department_uid=eng.uid, user_uid=u[2], is_primary=False))
    # A moved member keeps its role.
    api.change_users_department(v.ChangeUsersDepartmentRequest(
        user_pool_uid=pool.uid, origin_department_uid=ops.uid, new_department_uid=dept(api, pool, "root", "hr").uid,
        user_uids=[u[1]]))
    r = api.list_departments_for_user(v.ListDepartmentsForUserRequest(user_pool_uid=pool.uid, user_uid=u[1]))
    assert [m.role for m in r.departments] == ["member", "leader"]


def test_department_member_errors(server, api, pool):
    u = users(api, pool, 2)
    eng = dept(api, pool, "root", "eng")
    api.add_users_to_department(v.AddUsersToDepartmentRequest(user_pool_uid=pool.uid, department_uid=eng.uid, user_uids=u[:1]))
    update = api.update_department_member
    req = v.UpdateDepartmentMemberRequest
    expect_error(404, "NotFound", update, req(user_pool_uid=pool.uid, department_uid=eng.uid, user_uid=u[1], role="x"))
    expect_error(404, "NotFound", update, req(user_pool_uid=pool.uid, department_uid="nope", user_uid=u[0], role="x"))
    for bad in ["", "line\nbreak"]:
        expect_error(400, "InvalidParameter.Role", update,
                     req(user_pool_uid=pool.uid, department_uid=eng.uid, user_uid=u[0], role=bad))
    # 65 characters: the SDK refuses to send it (it knows the 64 limit too), so it goes raw.
    body = json.dumps({"UserPoolUid": pool.uid, "DepartmentUid": eng.uid, "UserUid": u[0], "Role": "r" * 65})
    r = raw_call(server, "UpdateDepartmentMember", body)
    assert (r.status_code, r.json()["ResponseMetadata"]["Error"]["Code"]) == (400, "InvalidParameter.Role")
    expect_error(404, "NotFound", api.list_department_members, v.ListDepartmentMembersRequest(
        user_pool_uid=pool.uid, department_uid="nope", page_number=1, page_size=10))
    body = json.dumps({"UserPoolUid": pool.uid, "DepartmentUid": eng.uid, "PageNumber": 1, "PageSize": 1000})
    r = raw_call(server, "ListDepartmentMembers", body)
    assert (r.status_code, r.json()["ResponseMetadata"]["Error"]["Code"]) == (400, "InvalidParameter.PageSize")
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    expect_error(404, "NotFound", update, req(user_pool_uid=other.uid, department_uid=eng.uid, user_uid=u[0], role="x"))


def test_change_users_group(api, pool):
    u = users(api, pool, 3)
    a, b, c = group(api, pool, "a"), group(api, pool, "b"), group(api, pool, "c")
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=a.uid, user_uids=u[:2]))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=b.uid, user_uids=[u[0], u[2]]))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=c.uid, user_uids=[u[1]]))

    def groups_of():
        r = api.list_groups_for_users(v.ListGroupsForUsersRequest(user_pool_uid=pool.uid, user_uids=u))
        return [sorted(g.uid for g in d.groups) for d in r.data]

    def count(g):
        return api.list_users_in_group(v.ListUsersInGroupRequest(
            user_pool_uid=pool.uid, group_uid=g.uid, page_number=1, page_size=1)).total_count

    before = groups_of()
    expect_error(404, "NotFound", api.change_users_group, v.ChangeUsersGroupRequest(
        user_pool_uid=pool.uid, new_group_uid="no-such-group", user_uids=u[:2]))
    expect_error(404, "NotFound", api.change_users_group, v.ChangeUsersGroupRequest(
        user_pool_uid=pool.uid, new_group_uid=c.uid, user_uids=[u[0], "no-such-user"]))
    assert groups_of() == before, "a refused change writes nothing"

    api.change_users_group(v.ChangeUsersGroupRequest(user_pool_uid=pool.uid, new_group_uid=c.uid, user_uids=u[:2]))
    assert groups_of() == [[c.uid], [c.uid], [b.uid]]
    assert (count(a), count(b), count(c)) == (0, 1, 2), "stored member counts follow"
    expect_error(400, "MissingParameter.UserUids", api.change_users_group, v.ChangeUsersGroupRequest(
        user_pool_uid=pool.uid, new_group_uid=c.uid, user_uids=[]))
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    theirs = group(api, other, "theirs")
    expect_error(404, "NotFound", api.change_users_group, v.ChangeUsersGroupRequest(
        user_pool_uid=pool.uid, new_group_uid=theirs.uid, user_uids=u[:1]))
