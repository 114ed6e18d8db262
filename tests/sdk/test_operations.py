"""Operating the server: what it refuses at start and says clearly, what health checks report,
what it leaves on disk (OWASP ASVS 4.0 V14.1, V6.4.1; V1.14 for separating data by owner)."""

import os
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import BIN, PG_URL, ROOT_AK, ROOT_SK, Server, free_port, start_server

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def run_serve(data_dir, *args, env=None, timeout=30):
    """Runs `idplane serve` expecting it to refuse to start; returns (exit code, stderr)."""
    e = dict(os.environ)
    e.update(IDPLANE_BOOTSTRAP_ACCESS_KEY_ID=ROOT_AK, IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY=ROOT_SK)
    e.update(env or {})
    p = subprocess.run([BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--data-dir", data_dir, *args],
                       env=e, capture_output=True, timeout=timeout)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def test_a_second_server_on_the_same_sqlite_database_is_refused():
    with tempfile.TemporaryDirectory() as d:
        first = start_server(d)
        try:
            code, err = run_serve(d)
            assert code != 0 and "another idplane server" in err and "idplane.db" in err, err
            assert requests.get(f"{first.url}/healthz").status_code == 200
        finally:
            first.stop()
        second = start_server(d)
        second.stop()


def test_a_wrong_master_key_stops_the_start():
    with tempfile.TemporaryDirectory() as d:
        start_server(d).stop()
        code, err = run_serve(d, env={"IDPLANE_MASTER_KEY": "ab" * 32})
        assert code != 0 and "master key" in err and "not the key the store was set up with" in err, err


def test_a_master_key_of_decimal_digits_is_a_hex_key():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, {"IDPLANE_MASTER_KEY": "0" * 54 + "1234567890"})
        s.api().list_user_pools(__import__("volcenginesdkid").ListUserPoolsRequest(page_number=1, page_size=10))
        s.stop()


def test_unknown_configuration_file_keys_are_refused():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "idplane.toml")
        with open(path, "w") as f:
            f.write('log_level = "info"\nsqlite_synchronus = "normal"\n')
        code, err = run_serve(d, "--config", path)
        assert code == 2 and "sqlite_synchronus" in err, err


@pytest.mark.parametrize("url", ["id.example.com", "ftp://id.example.com", "https://u:p@id.example.com",
                                 "https://id.example.com/?x=1"])
def test_the_public_url_is_checked(url):
    with tempfile.TemporaryDirectory() as d:
        code, err = run_serve(d, env={"IDPLANE_PUBLIC_URL": url})
        assert code == 2 and "public_url" in err, err


def test_an_unreachable_postgresql_is_named_at_once():
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        started = time.monotonic()
        code, err = run_serve(d, "--database-url", f"postgres://idp:hunter2@127.0.0.1:{port}/idp")
        assert code != 0 and f"127.0.0.1:{port}" in err and "hunter2" not in err, err
        assert time.monotonic() - started < 15


def test_an_unusable_data_directory_is_named():
    with tempfile.TemporaryDirectory() as d:
        blocker = os.path.join(d, "not-a-dir")
        open(blocker, "w").close()
        code, err = run_serve(os.path.join(blocker, "data"))
        assert code != 0 and blocker in err, err


def test_a_database_that_cannot_be_opened_is_named():
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "idplane.db"))
        code, err = run_serve(d)
        assert code != 0 and os.path.join(d, "idplane.db") in err, err


def test_database_files_and_directory_are_private_to_the_owner():
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "data")
        s = Server(data)
        s.log_path = os.path.join(d, "server.log")
        s.start()
        s.api().list_user_pools(__import__("volcenginesdkid").ListUserPoolsRequest(page_number=1, page_size=10))
        assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        for name in os.listdir(data):
            if name.startswith("idplane.db") or name == "master.key":
                mode = stat.S_IMODE(os.stat(os.path.join(data, name)).st_mode)
                assert mode & 0o077 == 0, (name, oct(mode))
        s.stop()


def test_livez_and_readyz():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d)
        for path in ("/livez", "/readyz", "/healthz"):
            assert requests.get(f"{s.url}{path}").status_code == 200, path
        s.stop()


class Forwarder:
    """A TCP forwarder to PostgreSQL that can be cut, as a network failure would."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.sockets, self.open = [], True
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while self.open:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.open = False
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def test_healthz_reports_a_store_that_stopped_answering():
    if not PG_URL:
        pytest.skip("PostgreSQL: IDPLANE_TEST_DATABASE_URL is unset")
    from urllib.parse import urlsplit
    from conftest import drop_schema
    import uuid

    target = urlsplit(PG_URL)
    fwd = Forwarder(target.port or 5432)
    url = PG_URL.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{fwd.port}")
    schema = f"ops_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, {"IDPLANE_DATABASE_URL": url, "IDPLANE_DATABASE_SCHEMA": schema})
        try:
            assert requests.get(f"{s.url}/healthz").status_code == 200
            fwd.cut()
            deadline = time.monotonic() + 15
            status = None
            while time.monotonic() < deadline:
                status = requests.get(f"{s.url}/healthz", timeout=10).status_code
                if status == 503:
                    break
                time.sleep(0.2)
            assert status == 503
            assert requests.get(f"{s.url}/livez").status_code == 200
        finally:
            s.kill()
            drop_schema(schema)


def test_cargo_run_at_the_top_runs_the_server_binary():
    """The README's `cargo run --release -- serve` needs cargo to know which binary to run."""
    p = subprocess.run(["cargo", "run", "-q", "--", "--version"], cwd=ROOT, capture_output=True, timeout=600)
    assert p.returncode == 0 and p.stdout.decode().startswith("idplane "), p.stderr.decode()[-2000:]


def test_every_answer_forbids_sniffing_and_control_plane_answers_are_not_cached(server):
    """OWASP ASVS 4.0 V14.4.4 (nosniff) and V8.2.1 (no caching of sensitive answers)."""
    from conftest import raw_call
    for r in (requests.get(f"{server.url}/healthz"), requests.get(f"{server.url}/userpool/x/.well-known/jwks.json"),
              raw_call(server, "ListUserPools", "{}")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = raw_call(server, "ListUserPools", '{"PageNumber": 1, "PageSize": 1}')
    assert r.headers["Cache-Control"] == "no-store"
