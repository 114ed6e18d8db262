"""Data survives SIGTERM and kill -9 restarts; secrets stay out of logs."""

import os
import threading
import time
import tempfile

import pytest
import volcenginesdkcore
import volcenginesdkid as v

from conftest import ROOT_SK, SECRETS, Server, backend_env, drop_schema, expect_error, secret, start_server


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    env, schema = backend_env(request.param)
    yield env
    if schema:
        drop_schema(schema)


def test_survives_kill_9_and_sigterm(backend):
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, backend)
        api = s.api()
        pool = api.create_user_pool(v.CreateUserPoolRequest(name="durable"))
        user = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username="kept",
                                                   password=secret("a-long-password-1")))
        s.kill()  # SIGKILL right after the answer: what was acknowledged must be on disk
        s.start()
        api = s.api()
        assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid)).name == "durable"
        got = api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=user.uid))
        assert got.preferred_username == "kept" and got.create_time == user.create_time
        assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid)).total_users == 1
        g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="after-restart"))
        api.add_users_to_group(v.AddUsersToGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid, user_uids=[user.uid]))
        assert s.stop() == 0, "SIGTERM exits 0"
        s.start()
        api = s.api()
        assert api.get_group(v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid)).name == "after-restart"
        assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=user.uid)).group_uids == [g.uid]
        assert s.stop() == 0
        log = s.log()
        assert ROOT_SK not in log and "a-long-password-1" not in log


def test_kill_9_after_a_burst_of_writes():
    """Every acknowledged write of a quick series survives kill -9."""
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        api = s.api()
        pool = api.create_user_pool(v.CreateUserPoolRequest(name="burst"))
        uids = [api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username=f"b{i}")).uid
                for i in range(20)]
        api.delete_users(v.DeleteUsersRequest(user_pool_uid=pool.uid, user_uids=uids[:5]))
        s.kill()
        s.start()
        try:
            r = s.api().list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_size=100))
            assert {u.uid for u in r.data} == set(uids[5:]) and r.total_count == 15
        finally:
            assert s.stop() == 0


def test_access_keys_survive_restart_and_deleted_keys_stay_deleted():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        kept_ak, kept_sk = s.new_key(account="robots")
        gone_ak, gone_sk = s.new_key(account="robots")
        s.api(kept_ak, kept_sk).create_user_pool(v.CreateUserPoolRequest(name="robot-pool"))
        s.cli("access-key", "delete", gone_ak)
        s.kill()
        s.start()
        try:
            listed = s.api(kept_ak, kept_sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))
            assert [p.name for p in listed.data] == ["robot-pool"]
            expect_error(403, "InvalidAccessKeyId", s.api(gone_ak, gone_sk).list_user_pools,
                         v.ListUserPoolsRequest(page_number=1, page_size=10))
        finally:
            assert s.stop() == 0


def test_no_secret_in_a_debug_log():
    """Even at debug level the log holds no secret key, password, password hash or master key."""
    with tempfile.TemporaryDirectory() as d:
        s = Server(d, {"IDPLANE_LOG_LEVEL": "debug"})
        s.env.pop("RUST_LOG", None)
        s.start()
        try:
            ak, sk = s.new_key(account="debuggers")
            api = s.api()
            pool = api.create_user_pool(v.CreateUserPoolRequest(name="logged"))
            pw = secret("debug-level-password-42")
            user = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username="dbg", password=pw))
            new_pw = secret("debug-level-password-43")
            api.update_user(v.UpdateUserRequest(user_pool_uid=pool.uid, user_uid=user.uid, password=new_pw))
            api.create_users(v.CreateUsersRequest(user_pool_uid=pool.uid, users=[
                v.UserForCreateUsersInput(preferred_username="dbg2", password=secret("batch-password-000")),
                v.UserForCreateUsersInput(preferred_username="dbg3", password="short")]))
            s.api(ak, sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))
            with pytest.raises(volcenginesdkcore.rest.ApiException):
                s.api(ak, "not-" + sk).list_user_pools(v.ListUserPoolsRequest(page_number=1, page_size=10))
        finally:
            assert s.stop() == 0
        log = s.log()
        assert "DEBUG" in log or "debug" in log, "the server did log at debug level"
        leaked = sorted(x for x in SECRETS | {sk} if x in log)
        assert not leaked, leaked
        assert "$argon2" not in log
        with open(os.path.join(d, "master.key")) as f:
            key = f.read().strip()
        assert key and key not in log, "the master key appeared in the log"


def test_sigterm_under_load_keeps_every_acknowledged_write():
    """SIGTERM while writers are busy: exit 0, no 5xx, and every user whose creation was answered survives."""
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        pool = s.api().create_user_pool(v.CreateUserPoolRequest(name="busy"))
        acked, failures, lock = [], [], threading.Lock()
        started = threading.Barrier(5)

        def writer(n):
            api = s.api()
            started.wait()
            for i in range(10_000):
                try:
                    u = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username=f"w{n}-{i}"))
                except volcenginesdkcore.rest.ApiException as e:
                    with lock:
                        failures.append((e.status, e.body))
                    return
                except Exception:  # the server is gone: connection refused or reset
                    return
                with lock:
                    acked.append(u.uid)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        started.wait()
        time.sleep(0.3)
        assert s.stop() == 0
        for t in threads:
            t.join(timeout=30)
        assert not failures, failures[:3]
        assert acked, "some writes were answered before the shutdown"
        s.start()
        try:
            seen, page = set(), 1
            while True:
                r = s.api().list_users(v.ListUsersRequest(user_pool_uid=pool.uid, page_number=page, page_size=100))
                seen |= {u.uid for u in r.data}
                if len(r.data) < 100:
                    break
                page += 1
            assert set(acked) <= seen, f"{len(set(acked) - seen)} acknowledged users are gone"
        finally:
            assert s.stop() == 0
