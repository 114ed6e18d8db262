"""Workload identities through the official SDK on both backends: CreateWorkloadIdentity,
GetWorkloadIdentity, ListWorkloadIdentities, UpdateWorkloadIdentity, DeleteWorkloadIdentity,
AddWorkloadMetaData and RemoveWorkloadMetaData — names unique per pool, the pool `default` when
none is named, a pool holding identities kept from deletion, racing metadata writes, another
account's pools, and refused input."""

import json
import threading
import uuid

import volcenginesdkid as v

from conftest import assert_no_internal_errors, expect_error, raw_call


def pool(api):
    name = f"wp-{uuid.uuid4().hex[:10]}"
    api.create_workload_pool(v.CreateWorkloadPoolRequest(workload_pool_name=name))
    return name


def md(key, *values):
    return v.MetaDataForCreateWorkloadIdentityInput(key=key, values=list(values))


def metadata(identity):
    return {m.key: m.values for m in (identity.meta_data or [])}


def test_create_get_update_delete(api):
    p = pool(api)
    made = api.create_workload_identity(v.CreateWorkloadIdentityRequest(
        workload_pool_name=p, name="travel-agent", description="books trips",
        meta_data=[md("team", "a")], allowed_resource_oauth2_return_urls=["https://app.example/cb"]))
    assert (made.name, made.workload_pool_name, made.category, made.source) == ("travel-agent", p, "Agent", "Manual")
    assert made.trn.endswith(f":workloadpool/{p}/workload/travel-agent")
    assert metadata(made) == {"team": ["a"]}
    got = api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    assert got.to_dict() == made.to_dict()
    assert api.get_workload_pool(v.GetWorkloadPoolRequest(workload_pool_name=p)).total_workloads == 1

    api.update_workload_identity(v.UpdateWorkloadIdentityRequest(
        workload_pool_name=p, name="travel-agent", description="changed",
        meta_data=[v.MetaDataForUpdateWorkloadIdentityInput(key="env", values=["prod"])],
        meta_data_update_mode="Merge"))
    got = api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    assert got.description == "changed" and metadata(got) == {"team": ["a"], "env": ["prod"]}
    assert got.allowed_resource_oauth2_return_urls == ["https://app.example/cb"]
    api.update_workload_identity(v.UpdateWorkloadIdentityRequest(
        workload_pool_name=p, name="travel-agent",
        meta_data=[v.MetaDataForUpdateWorkloadIdentityInput(key="only", values=["x"])]))
    got = api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    assert metadata(got) == {"only": ["x"]}, "Replace is the default mode"

    # A pool holding identities is kept (409 Conflict) until they are deleted.
    expect_error(409, "Conflict", api.delete_workload_pool, v.DeleteWorkloadPoolRequest(workload_pool_name=p))
    api.delete_workload_identity(v.DeleteWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    expect_error(404, "NotFound", api.get_workload_identity,
                 v.GetWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    expect_error(404, "NotFound", api.delete_workload_identity,
                 v.DeleteWorkloadIdentityRequest(workload_pool_name=p, name="travel-agent"))
    api.delete_workload_pool(v.DeleteWorkloadPoolRequest(workload_pool_name=p))
    expect_error(404, "NotFound", api.create_workload_identity,
                 v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="late-agent"))


def test_names_are_unique_per_pool_and_default_pool(api, server):
    p, q = pool(api), pool(api)
    api.create_workload_identity(v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="same-name"))
    expect_error(409, "Duplicated", api.create_workload_identity,
                 v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="same-name"))
    api.create_workload_identity(v.CreateWorkloadIdentityRequest(workload_pool_name=q, name="same-name"))
    # No WorkloadPoolName: the pool `default` (as the agent kit sends it).
    fresh = server.api(*server.new_key(account=f"acct-{uuid.uuid4().hex[:8]}"))
    made = fresh.create_workload_identity(v.CreateWorkloadIdentityRequest(name="workload-1a2b3c4d"))
    assert made.workload_pool_name == "default"
    got = fresh.get_workload_identity(v.GetWorkloadIdentityRequest(name="workload-1a2b3c4d"))
    assert got.trn == made.trn
    # Another account never reaches this account's pool or identities (OWASP ASVS 4.0 V4.2.1).
    expect_error(404, "NotFound", fresh.get_workload_identity,
                 v.GetWorkloadIdentityRequest(workload_pool_name=p, name="same-name"))
    expect_error(404, "NotFound", fresh.delete_workload_identity,
                 v.DeleteWorkloadIdentityRequest(workload_pool_name=p, name="same-name"))
    assert api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="same-name"))


def test_metadata_add_and_remove_lose_nothing_under_races(api):
    p = pool(api)
    api.create_workload_identity(v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="busy-agent"))
    errors = []

    def add(i):
        try:
            api.add_workload_meta_data(v.AddWorkloadMetaDataRequest(
                workload_pool_name=p, workload_identity="busy-agent",
                meta_data=[v.MetaDataForAddWorkloadMetaDataInput(key="k", values=[f"v{i}"])]))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="busy-agent"))
    assert sorted(metadata(got)["k"], key=lambda s: int(s[1:])) == [f"v{i}" for i in range(16)], \
        "no racing write is lost"
    out = api.remove_workload_meta_data(v.RemoveWorkloadMetaDataRequest(
        workload_pool_name=p, workload_identity="busy-agent",
        meta_data=[v.MetaDataForRemoveWorkloadMetaDataInput(key="k", values=["v0", "v1"])]))
    assert sorted(out.meta_data[0].values, key=lambda s: int(s[1:])) == [f"v{i}" for i in range(2, 16)]
    out = api.remove_workload_meta_data(v.RemoveWorkloadMetaDataRequest(
        workload_pool_name=p, workload_identity="busy-agent",
        meta_data=[v.MetaDataForRemoveWorkloadMetaDataInput(key="k")]))
    assert (out.workload_identity, out.meta_data) == ("busy-agent", [])


def test_list_filters_sorts_and_pages(api):
    p = pool(api)
    for i in range(5):
        api.create_workload_identity(v.CreateWorkloadIdentityRequest(
            workload_pool_name=p, name=f"agent-{i}", category="Tool" if i == 2 else None))

    def names(**kw):
        page = api.list_workload_identities(v.ListWorkloadIdentitiesRequest(
            **{"workload_pool_name": p, "page_number": 1, "page_size": 100, **kw}))
        return page.total_count, [i.name for i in page.workload_identities]

    assert names(sort_by="Name", sort_order="ASC") == (5, [f"agent-{i}" for i in range(5)])
    assert names(sort_by="CreatedAt", sort_order="DESC")[1][0] == "agent-4"
    assert names(category="Tool") == (1, ["agent-2"])
    assert names(name="NT-3") == (1, ["agent-3"])
    assert names(source="Manual")[0] == 5
    trn = api.get_workload_identity(v.GetWorkloadIdentityRequest(workload_pool_name=p, name="agent-1")).trn
    assert names(trn=trn) == (1, ["agent-1"])
    page = api.list_workload_identities(v.ListWorkloadIdentitiesRequest(
        workload_pool_name=p, page_number=2, page_size=2, sort_by="Name", sort_order="asc"))
    assert [i.name for i in page.workload_identities] == ["agent-2", "agent-3"]


def test_bad_input_is_refused(api, server):
    p = pool(api)
    for bad in ["ab", "has space", "x" * 256, "ünï"]:
        expect_error(400, "InvalidParameter.Name", api.create_workload_identity,
                     v.CreateWorkloadIdentityRequest(workload_pool_name=p, name=bad))
    expect_error(400, "MissingParameter.Name", api.create_workload_identity,
                 v.CreateWorkloadIdentityRequest(workload_pool_name=p, name=""))
    for url in ["javascript:alert(1)", "/relative", "https://a.example/#frag", "  https://a.example/",
                "https://user:pw@a.example/"]:
        expect_error(400, "InvalidParameter.AllowedResourceOauth2ReturnUrls", api.create_workload_identity,
                     v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="url-agent",
                                                     allowed_resource_oauth2_return_urls=[url]))
    many = [md(f"k{i}", "v") for i in range(51)]
    expect_error(400, "InvalidParameter.MetaData.Key", api.create_workload_identity,
                 v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="md-agent", meta_data=many))
    expect_error(400, "InvalidParameter.MetaData.Values", api.create_workload_identity,
                 v.CreateWorkloadIdentityRequest(workload_pool_name=p, name="md-agent",
                                                 meta_data=[md("k", *[str(i) for i in range(51)])]))
    # Values and URLs are kept once each, URLs in the normal form they are compared in.
    kept = api.create_workload_identity(v.CreateWorkloadIdentityRequest(
        workload_pool_name=p, name="ok-agent", meta_data=[md("k", *(["v"] * 51), "w")],
        allowed_resource_oauth2_return_urls=["https:a.example", "https://a.example/", "HTTPS://A.example/x"]))
    assert metadata(kept) == {"k": ["v", "w"]}
    assert kept.allowed_resource_oauth2_return_urls == ["https://a.example/", "https://a.example/x"]
    for action, request in [(api.add_workload_meta_data, v.AddWorkloadMetaDataRequest),
                            (api.remove_workload_meta_data, v.RemoveWorkloadMetaDataRequest)]:
        expect_error(400, "MissingParameter.WorkloadIdentity", action,
                     request(workload_pool_name=p, workload_identity="", meta_data=[]))
        expect_error(400, "InvalidParameter.WorkloadIdentity", action,
                     request(workload_pool_name=p, workload_identity="ab", meta_data=[]))
        expect_error(404, "NotFound", action,
                     request(workload_pool_name=p, workload_identity="no-such-agent", meta_data=[]))
    expect_error(400, "InvalidParameter.Trn", api.list_workload_identities,
                 v.ListWorkloadIdentitiesRequest(workload_pool_name=p, page_number=1, page_size=10, trn="t" * 300))
    expect_error(400, "InvalidParameter.Source", api.list_workload_identities,
                 v.ListWorkloadIdentitiesRequest(workload_pool_name=p, page_number=1, page_size=10, source="s" * 300))
    expect_error(400, "InvalidParameter.MetaDataUpdateMode", api.update_workload_identity,
                 v.UpdateWorkloadIdentityRequest(workload_pool_name=p, name="ok-agent", meta_data_update_mode="Shred",
                                                 meta_data=[]))
    r = raw_call(server, "CreateWorkloadIdentity",
                 json.dumps({"WorkloadPoolName": p, "Name": "typed-agent", "MetaData": "nope"}))
    assert r.status_code == 400
    listed = api.list_workload_identities(v.ListWorkloadIdentitiesRequest(
        workload_pool_name=p, page_number=1, page_size=100))
    assert [i.name for i in listed.workload_identities] == ["ok-agent"], "nothing refused was stored"
    assert_no_internal_errors(server)
