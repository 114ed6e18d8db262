"""The department tree through the official SDK."""

import volcenginesdkid as v

from conftest import expect_error


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
