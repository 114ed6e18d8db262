"""The README's SDK snippets, run as a reader would paste them (against a test server instead of
127.0.0.1:8080), twice: both act on the same pool and a second run finds what the first made."""

import os
import re
import subprocess
import sys
import tempfile

from conftest import start_server

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def snippet(heading):
    text = open(README, encoding="utf-8").read()
    section = text.split(f"## {heading}", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


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
