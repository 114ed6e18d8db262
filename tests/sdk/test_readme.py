"""The README's SDK snippets, run as a reader would paste them (against a test server instead of
127.0.0.1:8080), twice: both act on the same pool and a second run finds what the first made."""

import os
import re
import subprocess
import sys
import tempfile

from conftest import start_server
from test_official_clients import test_ca  # noqa: F401  (the fixture)

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def snippet(heading, language="python", after=None):
    """The first `language` block of the README section `heading` (after the text `after`)."""
    text = open(README, encoding="utf-8").read()
    section = text.split(f"## {heading}", 1)[1]
    if after:
        section = section.split(after, 1)[1]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_the_readme_snippets_run_twice_on_one_pool():
    env = {"IDPLANE_BOOTSTRAP_ACCESS_KEY_ID": "AKLTLOCALDEV",
           "IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY": "local-dev-secret-change-me"}
    with tempfile.TemporaryDirectory() as d:
        server = start_server(d, env)
        try:
            volc = snippet("Using the official Volcengine SDK").replace("127.0.0.1:8080", server.host)
            eiam = snippet("Using the official Tencent Cloud EIAM SDK").replace("127.0.0.1:8080", server.host)
            for run in range(2):
                out = subprocess.run([sys.executable, "-c", volc], capture_output=True, text=True, timeout=60)
                assert out.returncode == 0, out.stderr
                assert out.stdout.strip() == "1 ['alice']", (run, out.stdout)
                out = subprocess.run([sys.executable, "-c", eiam], capture_output=True, text=True, timeout=60)
                assert out.returncode == 0, out.stderr
                assert '"UserName": "alice"' in out.stdout and '"TotalCount": 1' in out.stdout, out.stdout
        finally:
            server.stop()


LOCAL_KEYS = {"IDPLANE_BOOTSTRAP_ACCESS_KEY_ID": "AKLTLOCALDEV",
              "IDPLANE_BOOTSTRAP_SECRET_ACCESS_KEY": "local-dev-secret-change-me"}
NODE_DIR = os.path.join(os.path.dirname(__file__), "..", "node")


def run_node(code):
    out = subprocess.run(["node", "-e", code], cwd=NODE_DIR, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_other_clients_snippets():
    with tempfile.TemporaryDirectory() as d:
        server = start_server(d, LOCAL_KEYS)
        try:
            here = lambda code: code.replace("127.0.0.1:8080", server.host)  # noqa: E731
            tencent = run_node(here(snippet("Other official clients", "js", "Tencent Cloud Node.js SDK")))
            assert '"TotalCount":0' in tencent and "RequestId" in tencent, tencent
            volc = run_node(here(snippet("Other official clients", "js", "Volcengine Node.js SDK")))
            assert '"Data":[' in volc, volc
            old = subprocess.run([sys.executable, "-c", here(snippet("Other official clients", "python",
                                                                     "older Volcengine Python SDK"))],
                                 capture_output=True, text=True, timeout=60)
            assert old.returncode == 0 and old.stdout.strip().isdigit(), old.stderr
        finally:
            server.stop()


def test_the_tccli_snippet(test_ca):
    from test_official_clients import issue

    with tempfile.TemporaryDirectory() as d:
        cert, key = issue(test_ca, d)
        env = dict(LOCAL_KEYS, IDPLANE_TLS_CERT=cert, IDPLANE_TLS_KEY=key)
        server = start_server(d, env, tls_ca=test_ca[1])
        try:
            script = snippet("Other official clients", "sh", "tccli").replace("127.0.0.1:8443", server.host)
            tccli_bin = os.path.join(os.path.dirname(__file__), "..", "..", ".venv-tccli", "bin")
            out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                                 env=dict(os.environ, PATH=f"{tccli_bin}:{os.environ['PATH']}", HOME=d))
            assert out.returncode == 0 and '"UserGroupList"' in out.stdout, out.stdout + out.stderr
        finally:
            server.stop()
