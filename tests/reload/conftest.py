"""A real `rbac-api serve` process per test, with its own policy directory, database and pid dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def server(serve: Callable[..., Server]) -> Server:
    return serve()
