"""The REST API does what its OpenAPI document says: schemathesis, every check on, reports no failure.

The budget, fixed so that a run is reproducible: every phase (examples, coverage, fuzzing, stateful), at
most `MAX_EXAMPLES` generated cases per operation in the fuzzing phase, and deterministic generation (no
seed, no example database: every run sends the same requests). One run sends about 1,600 cases to the
service's 43 operations, ~26 s of CPU (40-47 s of one worker in a full test run), most of it schemathesis
building generators for each operation: 10 examples instead of 15 saved only ~2 s. The two callers are two
tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, REPO
from tests.servers import Server

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
MAX_EXAMPLES = 15
#: What the document cannot say, with the reason for each entry.
CONFIG = Path(__file__).with_name("schemathesis.toml")


def schemathesis_run(server: Server, username: str, root: Path) -> subprocess.CompletedProcess[str]:
    """`schemathesis run` against `server`, authenticated as `username` (see tests/conformance/hooks.py)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SCHEMATHESIS_HOOKS": "tests.conformance.hooks",
        "RBAC_CONFORMANCE_URL": server.url,
        "RBAC_CONFORMANCE_USERNAME": username,
        "RBAC_CONFORMANCE_PASSWORD": PASSWORD,
    }
    command = [
        SCHEMATHESIS,
        f"--config-file={CONFIG}",
        "run",
        f"{server.url}/openapi.json",
        "--checks=all",
        f"--max-examples={MAX_EXAMPLES}",
        "--generation-deterministic",
        "--workers=1",
        "--no-color",
    ]
    return subprocess.run(  # noqa: S603 (the venv's own schemathesis)
        command, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("roles", [("admin",), ("user",)], ids=["administrator", "plain-user"])
def test_every_operation_answers_as_its_openapi_document_says(
    server: Server, tmp_path: Path, roles: tuple[str, ...]
) -> None:
    username = f"conformance-{roles[0]}"
    server.add_user(username, *roles)
    run = schemathesis_run(server, username, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
