"""The soak generator against a real server: fuzzed requests in both dialects and on the data plane draw no
500, no other unexpected 5xx, no panic and no crash. It needs target/debug/idplane-soak (scripts/test builds it)."""

import os
import subprocess

import pytest

from conftest import BIN, backend_env, drop_schema

SOAK = os.environ.get("IDPLANE_SOAK_BIN", os.path.join(os.path.dirname(BIN), "idplane-soak"))
REQUESTS = 20_000


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_fuzzed_requests_draw_no_server_errors(backend, tmp_path):
    env, schema = backend_env(backend)
    args = [SOAK, "--bin", BIN, "--requests", str(REQUESTS), "--log", str(tmp_path / "server.log")]
    if schema:
        args += ["--database-url", env["IDPLANE_DATABASE_URL"], "--database-schema", schema]
    try:
        run = subprocess.run(args, capture_output=True, text=True, timeout=900)
    finally:
        if schema:
            drop_schema(schema)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert f"requests: {REQUESTS} in" in run.stdout, run.stdout
