"""BatchUpsertDepartments through the official SDK: a source's departments, by external id,
created, changed, moved and removed in one write — dry runs, failed items, another source's and
another pool's departments, concurrent batches."""

import json
import threading
import uuid

import volcenginesdkid as v

from conftest import raw_call


def item(ext, parent="", name=None, action=None, **more):
    return v.DepartmentForBatchUpsertDepartmentsInput(
        external_id=ext, external_parent_id=parent or None, name=name if name is not None else ext,
        action=action, **more)


def batch(api, pool, items, source="hr", dry_run=None):
    return api.batch_upsert_departments(v.BatchUpsertDepartmentsRequest(
        user_pool_uid=pool.uid, source=source, departments=items, dry_run=dry_run))


def by_ext(result):
    return {i.external_id: i for i in result.items}


def tree(api, pool):
    """(external id, parent uid, name path) of every department of the pool but the root."""
    r = api.list_departments(v.ListDepartmentsRequest(user_pool_uid=pool.uid, parent_department_uid="root",
                                                      page_number=1, page_size=100))
    out = {}
    stack = list(r.data)
    while stack:
        d = stack.pop()
        out[d.external_id] = (d.parent_department_uid, d.name_path)
        kids = api.list_departments(v.ListDepartmentsRequest(user_pool_uid=pool.uid, parent_department_uid=d.uid,
                                                             page_number=1, page_size=100))
        stack.extend(kids.data)
    return out


def test_create_update_move_delete(api, pool):
    # Children may come before their parents in the batch.
    r = batch(api, pool, [item("web", parent="eng"), item("eng"), item("ops", description="run")])
    assert (r.created, r.updated, r.deleted, r.skipped, r.errors) == (3, 0, 0, 0, [])
    got = by_ext(r)
    assert all(i.status == "Succeeded" and i.operation == "Create" for i in r.items)
    assert got["web"].after.parent_department_uid == got["eng"].department_uid
    assert got["web"].after.name_path.endswith("/eng/web")
    assert got["ops"].after.source == "hr" and got["ops"].after.description == "run"

    again = batch(api, pool, [item("eng"), item("web", parent="eng")])
    assert (again.created, again.updated, again.skipped) == (0, 0, 2), "unchanged items are skipped"

    moved = batch(api, pool, [item("web", parent="ops", name="frontend"), item("ops", precedence=3)])
    assert (moved.updated, moved.errors) == (2, [])
    web = by_ext(moved)["web"]
    assert web.before.name == "web" and web.after.name == "frontend"
    assert web.after.parent_department_uid == got["ops"].department_uid
    assert web.after.name_path.endswith("/ops/frontend")

    gone = batch(api, pool, [item("eng", action="Delete"), item("nope", action="delete")])
    assert (gone.deleted, gone.skipped) == (1, 1)
    assert "eng" not in tree(api, pool) and "web" in tree(api, pool)


def test_dry_run_writes_nothing(api, pool):
    r = batch(api, pool, [item("a"), item("b", parent="a")], dry_run=True)
    assert r.created == 2 and {i.status for i in r.items} == {"Planned"}
    assert tree(api, pool) == {}


def test_failed_items_are_reported_and_left_out(api, pool):
    r = batch(api, pool, [
        item("ok"),
        item("orphan", parent="missing"),
        item("child_of_orphan", parent="orphan"),
        item("slash", name="a/b"),
        item("ok", name="twice"),
        item("odd", action="Rename"),
        item("loop1", parent="loop2"), item("loop2", parent="loop1"),
    ])
    assert r.created == 1 and r.items[0].external_id == "ok" and r.items[0].status == "Succeeded"
    failed = [i.external_id for i in r.items if i.status == "Failed"]
    assert sorted(failed) == sorted(["orphan", "child_of_orphan", "slash", "ok", "odd", "loop1", "loop2"])
    assert len(r.errors) == len([i for i in r.items if i.status == "Failed"])
    assert set(tree(api, pool)) == {"ok"}


def test_departments_with_members_or_children_are_kept(api, pool):
    r = batch(api, pool, [item("eng"), item("web", parent="eng")])
    u = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username=f"u{uuid.uuid4().hex[:8]}"))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=by_ext(r)["web"].department_uid, user_uids=[u.uid]))
    d = batch(api, pool, [item("eng", action="Delete"), item("web", action="Delete")])
    assert d.deleted == 0 and {i.status for i in d.items} == {"Failed"}
    assert set(tree(api, pool)) == {"eng", "web"}


def test_sources_and_pools_are_apart(api, pool):
    batch(api, pool, [item("eng")], source="hr")
    other = batch(api, pool, [item("eng", name="engineering")], source="ldap")
    assert other.created == 1, "the same external id of another source is another department"
    theirs = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    batch(api, theirs, [item("secret")])
    r = batch(api, pool, [item("x", parent="secret"), item("secret", action="Delete")])
    assert r.created == 0 and r.deleted == 0, "another pool's departments are not found"
    assert "secret" in tree(api, theirs)


def test_bounds(server, api, pool):
    r = raw_call(server, "BatchUpsertDepartments", json.dumps({
        "UserPoolUid": pool.uid, "Source": "hr",
        "Departments": [{"ExternalID": f"d{i}", "Name": f"d{i}"} for i in range(101)]}))
    assert r.status_code == 400 and r.json()["ResponseMetadata"]["Error"]["Code"] == "InvalidParameter.Departments"
    for source in ["", "s" * 65]:
        r = raw_call(server, "BatchUpsertDepartments", json.dumps({
            "UserPoolUid": pool.uid, "Source": source, "Departments": []}))
        assert r.status_code == 400, r.text
    r = raw_call(server, "BatchUpsertDepartments", json.dumps({
        "UserPoolUid": f"up-{uuid.uuid4().hex}", "Source": "hr", "Departments": []}))
    assert r.status_code == 404
    r = raw_call(server, "BatchUpsertDepartments", json.dumps({
        "UserPoolUid": pool.uid, "Source": "hr",
        "Departments": [{"ExternalID": "", "Name": "no id"}, {"ExternalID": "x" * 513, "Name": "long"}]}))
    result = r.json()["Result"]
    assert r.status_code == 200 and result["Created"] == 0 and len(result["Errors"]) == 2


def test_concurrent_batches_create_one_department(server, api, pool):
    """Two batches creating the same external id at once: the tree is held for the write, so
    the second sees the first's department or fails whole (OWASP ASVS 4.0 V11.1.6)."""
    results = []

    def run():
        body = json.dumps({"UserPoolUid": pool.uid, "Source": "hr",
                           "Departments": [{"ExternalID": "same", "Name": "same"}]})
        results.append(raw_call(server, "BatchUpsertDepartments", body).status_code)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 200 in results
    names = [d for d in api.list_departments(v.ListDepartmentsRequest(
        user_pool_uid=pool.uid, parent_department_uid="root", page_number=1, page_size=100)).data if d.external_id == "same"]
    assert len(names) == 1, "one department, whatever the interleaving"
