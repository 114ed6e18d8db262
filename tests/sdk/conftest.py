"""Fixtures that start real idplane server processes and point the official SDKs at them."""

import ctypes
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests
import volcenginesdkcore
import volcenginesdkid

BIN = os.environ.get("IDPLANE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "target", "debug", "idplane"))
ROOT_AK = "AKLTTESTROOT0000000000000000"
ROOT_SK = "test-root-secret-0123456789abcdefghijklmn"
PG_URL = os.environ.get("IDPLANE_TEST_DATABASE_URL")
READY_TIMEOUT = 20

# Every secret a test hands to a server (passwords, CLI-made secret keys): no server log may contain any of them.
SECRETS = {ROOT_SK}


def secret(value):
    """Registers `value` as a secret that must never reach a log, and returns it."""
    SECRETS.add(value)
    return value


def assert_no_secrets_in_log(server):
    log = server.log()
    leaked = sorted(s for s in SECRETS if s in log)
    assert not leaked, f"secrets appeared in {server.log_path}: {leaked}"
    assert "$argon2" not in log, "a password hash appeared in the log"


def _die_with_parent():
    """Runs in the child before exec: the server gets SIGKILL if the test process dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One idplane process on a free port with its own data directory."""

    def __init__(self, data_dir, extra_env=None, tls_ca=None):
        self.data_dir = data_dir
        self.tls_ca = tls_ca
        self.port = free_port()
        self.log_path = os.path.join(data_dir, "server.log")
        self.env = dict(os.environ)
        self.env.update(
            IDPLANE_BOOTSTRAP_ACCESS_KEY_ID=ROOT_AK,
            IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY=ROOT_SK,
            IDPLANE_LOG_LEVEL="info",
        )
        self.env.update(extra_env or {})
        self.proc = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"{'https' if self.tls_ca else 'http'}://{self.host}"

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", self.host, "--data-dir", self.data_dir],
            env=self.env,
            stdout=log,
            stderr=log,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.time() + READY_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1, verify=self.tls_ca or True).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"server did not answer /healthz with 200 within {READY_TIMEOUT} s: {self.log()}")

    def stop(self):
        """SIGTERM: drains in-flight requests and exits 0. Returns the exit code (also of an earlier crash)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        code, self.proc = self.proc.returncode, None
        return code

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def cli(self, *args):
        out = subprocess.run(
            [BIN, *args, "--data-dir", self.data_dir],
            env=self.env,
            capture_output=True,
            check=True,
        )
        return json.loads(out.stdout)

    def new_key(self, account="default", pool=None):
        args = ["access-key", "create", "--account", account]
        if pool:
            args += ["--pool", pool]
        key = self.cli(*args)
        return key["AccessKeyId"], secret(key["SecretAccessKey"])

    def api(self, ak=ROOT_AK, sk=ROOT_SK):
        cfg = volcenginesdkcore.Configuration()
        cfg.ak = ak
        cfg.sk = sk
        cfg.region = "cn-beijing"
        cfg.host = self.host
        cfg.scheme = "https" if self.tls_ca else "http"
        if self.tls_ca:
            cfg.ssl_ca_cert = self.tls_ca
        cfg.auto_retry = False
        return volcenginesdkid.IDApi(volcenginesdkcore.ApiClient(cfg))


def start_server(tmp_dir, extra_env=None, tls_ca=None):
    return Server(tmp_dir, extra_env, tls_ca).start()


def drop_schema(schema):
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def backend_env(backend):
    """Environment for a server on `backend`, and the PostgreSQL schema it uses (if any)."""
    if backend == "sqlite":
        return {}, None
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    schema = f"sdk_{uuid.uuid4().hex[:12]}"
    return {"IDPLANE_DATABASE_URL": PG_URL, "IDPLANE_DATABASE_SCHEMA": schema}, schema


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request):
    env, schema = backend_env(request.param)
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, env)
        s.backend = request.param
        yield s
        assert s.stop() == 0, s.log()
        assert_no_secrets_in_log(s)
    if schema:
        drop_schema(schema)


@pytest.fixture
def fresh_server():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        yield s
        s.kill()
        assert_no_secrets_in_log(s)


@pytest.fixture(scope="module")
def api(server):
    return server.api()


@pytest.fixture
def pool(api):
    return api.create_user_pool(volcenginesdkid.CreateUserPoolRequest(name=f"pool-{uuid.uuid4().hex[:10]}"))


def error_of(exc_info):
    """(HTTP status, ResponseMetadata.Error.Code) of a failed SDK call."""
    e = exc_info.value
    body = json.loads(e.body)
    meta = body["ResponseMetadata"]
    assert "Result" not in body
    return e.status, meta["Error"]["Code"]


def raw_call(server, action, body=b"{}", *, ak=ROOT_AK, sk=ROOT_SK, method="POST",
             query=None, tamper=None, version="2025-10-30", region="cn-beijing",
             content_type="application/json"):
    """Signs a request with the SDK's own signer, lets `tamper` change it, and sends it."""
    from volcenginesdkcore.signv4 import SignerV4

    q = dict(query or {})
    if action is not None:
        q["Action"] = action
    if version is not None:
        q["Version"] = version
    text = body.decode() if isinstance(body, bytes) else body
    headers = {"Content-Type": content_type, "Host": server.host}
    SignerV4.sign("/", method, headers, text, None, q, ak, sk, region, "id")
    req = {"method": method, "query": q, "headers": headers, "body": text.encode()}
    if tamper:
        tamper(req)
    from urllib.parse import urlencode

    url = f"{server.url}/?{urlencode(req['query'])}" if req["query"] else f"{server.url}/"
    return requests.request(req["method"], url, headers=req["headers"], data=req["body"], timeout=10)


def assert_no_internal_errors(server):
    """No request so far was answered with an internal error (either dialect) or panicked."""
    log = server.log()
    for marker in ("status=500", 'error="InternalError"', "panicked"):
        assert marker not in log, f"{marker} in {server.log_path}"


def raw_error(response):
    meta = response.json()["ResponseMetadata"]
    return response.status_code, meta["Error"]["Code"]


def expect_error(status, code, fn, *args, **kwargs):
    with pytest.raises(volcenginesdkcore.rest.ApiException) as info:
        fn(*args, **kwargs)
    got = error_of(info)
    assert got == (status, code), f"expected {(status, code)}, got {got}: {info.value.body}"
    return json.loads(info.value.body)["ResponseMetadata"]["Error"]


def pytest_terminal_summary(terminalreporter):
    if not PG_URL:
        n = len(terminalreporter.stats.get("skipped", []))
        terminalreporter.write_line(
            f"PostgreSQL: {n} tests skipped because IDPLANE_TEST_DATABASE_URL is unset "
            "(e.g. postgres://postgres@127.0.0.1:5432/test)")
