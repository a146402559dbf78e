"""Real `rbac-api serve` processes, each with its own policy directory, database and pid dir.

`server` is one server shared by the tests of a module that need a plain one (one worker, watching its
policy): starting one costs 2-3 s of CPU. Each test gets it with the shipped policy loaded, and whatever
the test wrote into the policy directory is put back after it. Its database is shared too: give the users
each test adds names of their own. `serve(...)` starts a server of the test's own, stopped after the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import POLICY_DIR
from tests.servers import Server, start_server, stop_server


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`serve(*cli_args, **RBAC_env)` starts a server that is stopped after the test."""
    started: list[Server] = []

    def start(*args: str, **env: str) -> Server:
        server = start_server(tmp_path, *args, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("reload"))
    yield server
    stop_server(server)


@pytest.fixture
def server(shared_server: Server) -> Iterator[Server]:
    """The module's shared server, on the shipped policy; the policy directory is restored afterwards."""
    shipped = shared_server.version()
    assert shared_server.health()["status"] == "ok"
    yield shared_server
    restore_shipped_policy(shared_server.policy_dir)
    shared_server.wait_for(lambda health: (health["status"], health["policy"]["version"]) == ("ok", shipped))


def restore_shipped_policy(policy_dir: Path) -> None:
    """Write the shipped policy files back over the edited ones, as an editor saves (no file removed or
    added, so the server's watch on the directory is not disturbed)."""
    for shipped in POLICY_DIR.glob("*.yaml"):
        shutil.copyfile(shipped, policy_dir / shipped.name)
