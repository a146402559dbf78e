"""The README's tour is pasted into a shell, as a new user would, against a real server."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.servers import EXE, Server, start_server, stop_server

README = Path(__file__).resolve().parents[2] / "README.md"
NEW_PASSWORD = "a-new-password-9"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path)
    yield running
    stop_server(running)


def tour() -> str:
    """The first `sh` block of the README that logs in with the printed admin password."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return next(block for block in blocks if block.startswith("ADMIN_PASSWORD="))


def pasted(script: str, server: Server) -> str:
    """What the user changes when pasting: the password they were shown. The rest is adapted to the test:
    the server's port, and the console script of this virtual environment."""
    assert "'paste the printed password here'" in script
    script = script.replace("paste the printed password here", ADMIN_PASSWORD)
    return script.replace("http://127.0.0.1:8000", server.url).replace(".venv/bin/rbac-api", EXE)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's tour uses curl; it is not installed")
def test_the_readme_tour_runs_as_pasted(server: Server) -> None:
    result = subprocess.run(  # noqa: S603 (the README's own commands)
        ["bash", "-e", "-o", "pipefail", "-c", pasted(tour(), server)],  # noqa: S607
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        capture_output=True,
        text=True,
        env=server.env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    me, graphql, changed = result.stdout.splitlines()[-3:]
    assert httpx.Response(200, text=me).json()["username"] == "admin"
    assert httpx.Response(200, text=graphql).json()["data"]["me"]["username"] == "admin"
    assert changed == "admin: password set; every session of the account has ended"
    server.token("admin", NEW_PASSWORD)
