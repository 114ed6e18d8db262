"""Data survives SIGTERM and kill -9 restarts; secrets stay out of logs."""

import tempfile

import volcenginesdkid as v

from conftest import ROOT_SK, start_server


def test_survives_kill_9_and_sigterm():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        api = s.api()
        pool = api.create_user_pool(v.CreateUserPoolRequest(name="durable"))
        user = api.create_user(v.CreateUserRequest(user_pool_uid=pool.uid, preferred_username="kept",
                                                   password="a-long-password-1"))
        s.kill()
        s.start()
        api = s.api()
        assert api.get_user_pool(v.GetUserPoolRequest(user_pool_uid=pool.uid)).name == "durable"
        assert api.get_user(v.GetUserRequest(user_pool_uid=pool.uid, user_uid=user.uid)).preferred_username == "kept"
        g = api.create_group(v.CreateGroupRequest(user_pool_uid=pool.uid, name="after-restart"))
        assert s.stop() == 0
        s.start()
        api = s.api()
        assert api.get_group(v.GetGroupRequest(user_pool_uid=pool.uid, group_uid=g.uid)).name == "after-restart"
        assert s.stop() == 0
        log = s.log()
        assert ROOT_SK not in log and "a-long-password-1" not in log
