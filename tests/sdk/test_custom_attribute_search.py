"""ListUsers' CustomAttributeFilter through the official SDK: every operator on every declared
type, groups and groups of groups with their relations, checked against the same filter
evaluated here over what the users hold; values followed through updates, clears and
deletions; another pool's users never found; malformed, undeclared and oversized filters
refused with InvalidParameter.Filter.CustomAttributeFilter (OWASP ASVS 5.1.3, 5.1.4: input
validated against declared types and bounded)."""

import datetime
import json
import random
import uuid

import volcenginesdkid as v

from conftest import expect_error, raw_call

DECLARED = {"team": "String", "level": "Number", "vip": "Boolean", "since": "DateTime"}
TEAMS = ["Ops", "ops-east", "Sales", "research", "R&D_100%"]


def declare_all(api, pool):
    for name, data_type in DECLARED.items():
        api.create_user_pool_custom_attribute(v.CreateUserPoolCustomAttributeRequest(
            user_pool_uid=pool.uid, name=name, data_type=data_type, mutability="ReadWrite"))


def make_user(api, pool, attrs):
    u = api.create_user(v.CreateUserRequest(
        user_pool_uid=pool.uid, preferred_username=f"u{uuid.uuid4().hex[:10]}",
        custom_attributes_to_upsert=[v.CustomAttributesToUpsertForCreateUserInput(name=k, value=val)
                                     for k, val in attrs.items()]))
    return u.uid


def seed(api, pool, n, rng):
    held = {}
    for i in range(n):
        attrs = {}
        if rng.random() < 0.8:
            attrs["team"] = rng.choice(TEAMS)
        if rng.random() < 0.8:
            attrs["level"] = str(rng.randint(-3, 12))
        if rng.random() < 0.7:
            attrs["vip"] = rng.choice(["true", "false"])
        if rng.random() < 0.7:
            at = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
                hours=rng.randint(0, 400), milliseconds=rng.choice([0, 500]))
            attrs["since"] = at.isoformat().replace("+00:00", "Z")
        held[make_user(api, pool, attrs)] = attrs
    return held


def cond(name, operator, value=None):
    return {"Name": name, "Operator": operator, "Value": value}


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def holds(attrs, c):
    """The reference: what a condition means, evaluated on one user's values."""
    name, op, value = c["Name"], c["Operator"], c["Value"]
    have = attrs.get(name)
    if op == "IsNull":
        return have is None
    if op == "IsNotNull":
        return have is not None
    if have is None:
        return False
    kind = DECLARED[name]
    if kind == "Number":
        have, value = int(have), int(value)
    elif kind == "DateTime":
        have, value = parse_time(have), parse_time(value)
    elif kind == "Boolean":
        value = value.lower()
    if op == "Contains":
        return value.lower() in have.lower()
    if op == "StartsWith":
        return have.startswith(value)
    return {"Equal": have == value, "NotEqual": have != value, "LessThan": have < value,
            "LessThanOrEqual": have <= value, "GreaterThan": have > value,
            "GreaterThanOrEqual": have >= value}[op]


def level_holds(attrs, level):
    parts = [holds(attrs, c) for c in level.get("Conditions", [])]
    parts += [level_holds(attrs, g) for g in level.get("Groups", [])]
    if not parts:
        return True
    return all(parts) if level.get("Relation", "And") == "And" else any(parts)


def random_condition(rng):
    name = rng.choice(list(DECLARED))
    kind = DECLARED[name]
    if rng.random() < 0.1:
        return cond(name, rng.choice(["IsNull", "IsNotNull"]))
    if kind == "String":
        op = rng.choice(["Equal", "NotEqual", "Contains", "StartsWith", "LessThan", "GreaterThanOrEqual"])
        value = rng.choice(TEAMS + ["ops", "R&D_", "%", "_"])
        if op == "StartsWith":
            value = rng.choice(["Op", "ops", "R&D_1", "S", "%"])
        return cond(name, op, value)
    if kind == "Boolean":
        return cond(name, rng.choice(["Equal", "NotEqual"]), rng.choice(["true", "FALSE"]))
    op = rng.choice(["Equal", "NotEqual", "LessThan", "LessThanOrEqual", "GreaterThan", "GreaterThanOrEqual"])
    if kind == "Number":
        return cond(name, op, str(rng.randint(-4, 13)))
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=rng.randint(0, 400))
    return cond(name, op, at.isoformat())


def random_filter(rng):
    def level(depth):
        out = {"Relation": rng.choice(["And", "Or"]),
               "Conditions": [random_condition(rng) for _ in range(rng.randint(0 if depth else 1, 3))]}
        if depth < 2 and rng.random() < 0.6:
            out["Groups"] = [level(depth + 1) for _ in range(rng.randint(1, 3))]
        return out
    return level(0)


def list_all(server, pool, custom_filter, action="ListUsers", extra=None):
    uids, page = [], 1
    while True:
        body = {"UserPoolUid": pool.uid, "PageNumber": page, "PageSize": 100,
                "Filter": {"CustomAttributeFilter": custom_filter}}
        body.update(extra or {})
        r = raw_call(server, action, json.dumps(body))
        assert r.status_code == 200, r.text
        result = r.json()["Result"]
        uids += [u["Uid"] for u in result["Data"]]
        if len(uids) >= result["TotalCount"] or not result["Data"]:
            assert len(uids) == result["TotalCount"]
            return set(uids)
        page += 1


def test_every_operator_through_the_sdk(api, pool):
    declare_all(api, pool)
    a = make_user(api, pool, {"team": "Ops", "level": "10", "vip": "true", "since": "2026-01-31T08:00:00.5Z"})
    b = make_user(api, pool, {"team": "ops-east", "level": "9", "since": "2026-01-31T08:00:00Z"})
    c = make_user(api, pool, {"vip": "false"})

    def find(*conditions, relation="And"):
        f = v.CustomAttributeFilterForListUsersInput(
            relation=relation,
            conditions=[v.ConditionForListUsersInput(name=n, operator=o, value=val) for n, o, val in conditions])
        r = api.list_users(v.ListUsersRequest(
            user_pool_uid=pool.uid, filter=v.FilterForListUsersInput(custom_attribute_filter=f)))
        assert r.total_count == len(r.data)
        return {u.uid for u in r.data}

    assert find(("team", "Equal", "Ops")) == {a}
    assert find(("team", "Contains", "OPS")) == {a, b}, "Contains ignores letter case"
    assert find(("team", "StartsWith", "ops")) == {b}, "StartsWith keeps it"
    assert find(("level", "GreaterThan", "9")) == {a}, "numbers compare as numbers, not text"
    assert find(("level", "LessThanOrEqual", "9")) == {b}
    assert find(("level", ">=", "9"), ("team", "!=", "Ops")) == {b}
    assert find(("since", "GreaterThan", "2026-01-31T08:00:00Z")) == {a}, "fractions of a second count"
    assert find(("since", "LessThan", "2026-01-31T09:00:00.1+01:00")) == {b}, "offsets are read as UTC"
    assert find(("vip", "Equal", "TRUE")) == {a}
    assert find(("vip", "NotEqual", "true")) == {c}, "NotEqual finds other values, not missing ones"
    assert find(("level", "IsNull", "")) == {c}
    assert find(("level", "IsNotNull", "")) == {a, b}
    assert find(("team", "Equal", "Ops"), ("vip", "Equal", "false"), relation="Or") == {a, c}
    assert find(("Team", "Equal", "Ops")) == {a}, "names are matched in any letter case"


def test_random_filters_match_the_reference(server, api, pool):
    rng = random.Random(1307)
    declare_all(api, pool)
    held = seed(api, pool, 60, rng)
    for _ in range(60):
        f = random_filter(rng)
        want = {uid for uid, attrs in held.items() if level_holds(attrs, f)}
        assert list_all(server, pool, f) == want, json.dumps(f)


def test_values_follow_updates_clears_and_deletions(api, pool):
    declare_all(api, pool)
    uid = make_user(api, pool, {"team": "Ops", "level": "3"})

    def find(name, op, value):
        r = api.list_users(v.ListUsersRequest(user_pool_uid=pool.uid, filter=v.FilterForListUsersInput(
            custom_attribute_filter=v.CustomAttributeFilterForListUsersInput(
                conditions=[v.ConditionForListUsersInput(name=name, operator=op, value=value)]))))
        return {u.uid for u in r.data}

    assert find("level", "Equal", "3") == {uid}
    api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=uid, custom_attributes_to_upsert=[
        v.CustomAttributesToUpsertForUpdateUserInput(name="level", value="4"),
        v.CustomAttributesToUpsertForUpdateUserInput(name="team", value="")]))
    assert find("level", "Equal", "3") == set()
    assert find("level", "Equal", "4") == {uid}
    assert find("team", "IsNull", "") == {uid}, "a cleared value is gone from the index"
    api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=[uid]))
    assert find("level", "IsNotNull", "") == set()


def test_another_pools_users_are_never_found(server, api, pool):
    declare_all(api, pool)
    other = api.create_user_pool(v.CreateUserPoolRequest(name=f"other-{uuid.uuid4().hex[:8]}"))
    declare_all(api, other)
    mine = make_user(api, pool, {"team": "Ops"})
    make_user(api, other, {"team": "Ops"})
    f = {"Conditions": [cond("team", "Equal", "Ops")]}
    assert list_all(server, pool, f) == {mine}
    assert list_all(server, pool, {"Conditions": [cond("team", "IsNotNull")]}) == {mine}


def test_members_of_a_group_and_a_department(server, api, pool):
    declare_all(api, pool)
    inside = make_user(api, pool, {"team": "Ops"})
    outside = make_user(api, pool, {"team": "Ops"})
    group = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name=f"g{uuid.uuid4().hex[:6]}"))
    api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=group.uid,
                                                    user_uids=[inside]))
    f = {"Conditions": [cond("team", "Equal", "Ops")]}
    assert list_all(server, pool, f) == {inside, outside}
    assert list_all(server, pool, f, "ListUsersInGroup", {"GroupUid": group.uid}) == {inside}
    department = api.create_department(v.CreateDepartmentRequest(
        user_pool_uid=pool.uid, name=f"d{uuid.uuid4().hex[:6]}", parent_department_uid="root"))
    api.add_users_to_department(v.AddUsersToDepartmentRequest(
        user_pool_uid=pool.uid, department_uid=department.uid, user_uids=[outside]))
    assert list_all(server, pool, f, "ListUsersInDepartment", {"DepartmentUid": department.uid}) == {outside}


def test_bad_filters_are_refused(server, api, pool):
    declare_all(api, pool)
    code = "InvalidParameter.Filter.CustomAttributeFilter"
    bad = [
        {"Conditions": [cond("nobody", "Equal", "x")]},
        {"Conditions": [cond("level", "Equal", "ten")]},
        {"Conditions": [cond("level", "Contains", "1")]},
        {"Conditions": [cond("vip", "GreaterThan", "true")]},
        {"Conditions": [cond("vip", "Equal", "yes")]},
        {"Conditions": [cond("since", "Equal", "yesterday")]},
        {"Conditions": [cond("team", "Approximately", "Ops")]},
        {"Conditions": [cond("team", None, "Ops")]},
        {"Conditions": [cond(None, "Equal", "Ops")]},
        {"Conditions": [cond("team", "Equal", {"nested": 1})]},
        {"Conditions": [cond("team", "Equal", "x" * 2049)]},
        {"Relation": "Xor", "Conditions": [cond("team", "Equal", "Ops")]},
        {"Conditions": [cond("team", "Equal", "Ops")] * 51},
        {"Groups": [{"Conditions": [cond("team", "Equal", "Ops")]}] * 11},
        {"Groups": [{"Groups": [{"Conditions": [cond("team", "Equal", "Ops")]}] * 11}]},
    ]
    for f in bad:
        r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid, "Filter": {"CustomAttributeFilter": f}}))
        assert r.status_code == 400, (f, r.text)
        assert r.json()["ResponseMetadata"]["Error"]["Code"].startswith(code), (f, r.text)
    r = raw_call(server, "ListUsers", json.dumps({"UserPoolUid": pool.uid, "Filter": {"CustomAttributeFilter": "team=Ops"}}))
    assert r.status_code == 400
    expect_error(400, code, api.list_users, v.ListUsersRequest(
        user_pool_uid=pool.uid, filter=v.FilterForListUsersInput(
            custom_attribute_filter=v.CustomAttributeFilterForListUsersInput(
                conditions=[v.ConditionForListUsersInput(name="level", operator="GreaterThan", value="x")]))))
    assert list_all(server, pool, {}) == set(), "an empty filter holds for every user (there are none)"
