"""Workload pools through the official SDK on both backends: CreateWorkloadPool,
GetWorkloadPool (by id or name), ListWorkloadPools (filters, tags, sort, pages),
UpdateWorkloadPool, DeleteWorkloadPool, the pool `default` made on first use — with the errors,
another account's pools, races and malformed input."""

import json
import threading
import uuid

import volcenginesdkid as v

from conftest import assert_no_internal_errors, expect_error, raw_call


def name(prefix="wp"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(api, pool_name, **kw):
    return api.create_workload_pool(v.CreateWorkloadPoolRequest(workload_pool_name=pool_name, **kw))


def test_create_get_update_delete(api, server):
    n = name()
    made = create(api, n, description="agents of team A",
                  tags=[v.TagForCreateWorkloadPoolInput(key="env", value="prod")])
    assert made.workload_pool_name == n and made.workload_pool_id
    assert made.project_name == "default"
    assert made.trn.endswith(f":workloadpool/{n}")
    issuer = f"{server.url}/workloadpool/{made.workload_pool_id}"
    assert made.discovery_url == f"{issuer}/.well-known/openid-configuration"
    assert [(t.key, t.value) for t in made.tags] == [("env", "prod")]
    assert made.created_at.endswith("Z") and made.created_at == made.updated_at

    by_id = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_id=made.workload_pool_id))
    by_name = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name=n))
    assert by_id.to_dict() == by_name.to_dict()
    assert by_id.url == issuer and by_id.description == "agents of team A"
    assert (by_id.total_workloads, by_id.total_credentials, by_id.trust_anchors) == (0, 0, [])
    assert by_id.allow_auto_create_identity is False

    api.update_workload_pool(v.UpdateWorkloadPoolRequest(workload_pool_name=n, description="changed"))
    got = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name=n))
    assert got.description == "changed" and [t.key for t in got.tags] == ["env"]

    api.delete_workload_pool(v.DeleteWorkloadPoolRequest(workload_pool_name=n))
    expect_error(404, "NotFound", api.get_workload_pool, v.GetWorkloadPoolRequest(workload_pool_name=n))
    expect_error(404, "NotFound", api.get_workload_pool,
                 v.GetWorkloadPoolRequest(workload_pool_id=made.workload_pool_id))
    expect_error(404, "NotFound", api.delete_workload_pool, v.DeleteWorkloadPoolRequest(workload_pool_name=n))
    expect_error(404, "NotFound", api.update_workload_pool,
                 v.UpdateWorkloadPoolRequest(workload_pool_name=n, description="x"))


def test_names_are_unique_per_account(api, server):
    n = name()
    create(api, n)
    err = expect_error(409, "Duplicated", create, api, n)
    assert "WorkloadPoolName" in err["Message"]
    # Another account may use the name, and never sees this account's pool (OWASP ASVS 4.0 V4.2.1).
    other = server.api(*server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}"))
    mine = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name=n))
    expect_error(404, "NotFound", other.get_workload_pool,
                 v.GetWorkloadPoolRequest(workload_pool_id=mine.workload_pool_id))
    expect_error(404, "NotFound", other.delete_workload_pool, v.DeleteWorkloadPoolRequest(workload_pool_name=n))
    theirs = create(other, n)
    assert theirs.workload_pool_id != mine.workload_pool_id
    listed = other.list_workload_pools(v.ListWorkloadPoolsRequest(page_number=1, page_size=100))
    assert mine.workload_pool_id not in [p.workload_pool_id for p in listed.workload_pools]


def test_get_without_a_name_is_the_default_pool(api, server):
    got = api.get_workload_pool(v.GetWorkloadPoolRequest())
    assert got.workload_pool_name == "default"
    again = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name="default"))
    assert again.workload_pool_id == got.workload_pool_id
    # Deleted, `default` is made again on its next use, whether named or not.
    fresh = server.api(*server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}"))
    first = fresh.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name="default"))
    fresh.delete_workload_pool(v.DeleteWorkloadPoolRequest(workload_pool_name="default"))
    made = fresh.create_workload_identity(v.CreateWorkloadIdentityRequest(workload_pool_name="default",
                                                                          name="agent-after"))
    assert made.workload_pool_name == "default"
    second = fresh.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name="default"))
    assert second.workload_pool_id != first.workload_pool_id and second.total_workloads == 1


def test_racing_first_uses_make_one_default_pool(server):
    fresh = server.api(*server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}"))
    ids, errors = [], []

    def first_use():
        try:
            ids.append(fresh.get_workload_pool(v.GetWorkloadPoolRequest()).workload_pool_id)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(ids)) == 1
    listed = fresh.list_workload_pools(v.ListWorkloadPoolsRequest(page_number=1, page_size=100))
    assert [p.workload_pool_name for p in listed.workload_pools] == ["default"]


def test_list_filters_sorts_and_pages(server):
    api = server.api(*server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}"))
    for i in range(7):
        tags = [v.TagForCreateWorkloadPoolInput(key="env", value="prod" if i % 2 else "dev")]
        create(api, f"list-{i}", tags=tags, project_name="blue" if i == 3 else None)

    def names(**kw):
        page = api.list_workload_pools(v.ListWorkloadPoolsRequest(**{"page_number": 1, "page_size": 100, **kw}))
        return page.total_count, [p.workload_pool_name for p in page.workload_pools]

    assert names(sort_by="WorkloadPoolName", sort_order="ASC") == (7, [f"list-{i}" for i in range(7)])
    assert names(sort_by="CreatedAt", sort_order="DESC")[1][0] == "list-6"
    assert names(sort_by="CreatedAt", sort_order="asc")[1][0] == "list-0"
    prod = [v.TagFilterForListWorkloadPoolsInput(key="env", values=["prod"])]
    assert names(tag_filters=prod, sort_by="WorkloadPoolName", sort_order="ASC") == (3, ["list-1", "list-3", "list-5"])
    assert names(tag_filters=[v.TagFilterForListWorkloadPoolsInput(key="env")])[0] == 7
    assert names(tag_filters=[v.TagFilterForListWorkloadPoolsInput(key="nope")]) == (0, [])
    assert names(project_name="blue") == (1, ["list-3"])
    assert names(workload_pool_name="T-5") == (1, ["list-5"])
    one = api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name="list-2"))
    assert names(workload_pool_id=one.workload_pool_id) == (1, ["list-2"])
    page = api.list_workload_pools(v.ListWorkloadPoolsRequest(
        page_number=3, page_size=3, sort_by="WorkloadPoolName", sort_order="ASC"))
    assert (page.total_count, page.page_number, page.page_size) == (7, 3, 3)
    assert [p.workload_pool_name for p in page.workload_pools] == ["list-6"]


def test_bad_input_is_refused_and_nothing_is_stored(api, server):
    for bad in ["has space", "x" * 129, "ünï", "semi;colon"]:
        expect_error(400, "InvalidParameter.WorkloadPoolName", create, api, bad)
    expect_error(400, "MissingParameter.WorkloadPoolName", create, api, "")
    expect_error(400, "InvalidParameter.Description", create, api, name(), description="d" * 2049)
    many = [v.TagForCreateWorkloadPoolInput(key=f"k{i}", value="v") for i in range(51)]
    expect_error(400, "InvalidParameter.Tags.Key", create, api, name(), tags=many)
    twice = [v.TagForCreateWorkloadPoolInput(key="k", value=str(i)) for i in range(2)]
    expect_error(400, "InvalidParameter.Tags.Key", create, api, name(), tags=twice)
    expect_error(400, "InvalidParameter.SortBy", api.list_workload_pools,
                 v.ListWorkloadPoolsRequest(page_number=1, page_size=10, sort_by="Secret"))
    expect_error(400, "InvalidParameter.SortOrder", api.list_workload_pools,
                 v.ListWorkloadPoolsRequest(page_number=1, page_size=10, sort_order="sideways"))
    # The SDK refuses a PageSize over 100 itself; the server does too.
    r = raw_call(server, "ListWorkloadPools", json.dumps({"PageNumber": 1, "PageSize": 101}))
    assert r.status_code == 400 and r.json()["ResponseMetadata"]["Error"]["Code"] == "InvalidParameter.PageSize"
    expect_error(400, "InvalidParameter.WorkloadPoolId", api.get_workload_pool,
                 v.GetWorkloadPoolRequest(workload_pool_id="../etc"))
    filters = [{"Key": f"k{i}"} for i in range(51)]
    r = raw_call(server, "ListWorkloadPools",
                 json.dumps({"PageNumber": 1, "PageSize": 10, "TagFilters": filters}))
    assert r.status_code == 400 and r.json()["ResponseMetadata"]["Error"]["Code"] == "InvalidParameter.TagFilters"
    for bad_filter in [{"Key": ""}, {"Key": "k" * 129}, {"Key": "k", "Values": ["v" * 257]}]:
        r = raw_call(server, "ListWorkloadPools",
                     json.dumps({"PageNumber": 1, "PageSize": 10, "TagFilters": [bad_filter]}))
        assert r.json()["ResponseMetadata"]["Error"]["Code"] == "InvalidParameter.TagFilters", bad_filter
    r = raw_call(server, "CreateWorkloadPool", json.dumps({"WorkloadPoolName": ["not", "text"]}))
    assert r.status_code == 400
    listed = api.list_workload_pools(v.ListWorkloadPoolsRequest(page_number=1, page_size=100))
    assert not [p for p in listed.workload_pools if p.workload_pool_name.startswith("semi")]
    assert_no_internal_errors(server)


def test_a_key_bound_to_a_user_pool_manages_no_workload_pools(api, server, pool):
    bound = server.api(*server.new_key(pool=pool.uid))
    expect_error(403, "AccessDenied", bound.create_workload_pool,
                 v.CreateWorkloadPoolRequest(workload_pool_name=name()))
    expect_error(403, "AccessDenied", bound.list_workload_pools,
                 v.ListWorkloadPoolsRequest(page_number=1, page_size=10))
