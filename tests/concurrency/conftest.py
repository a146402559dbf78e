"""A real server for the races, with one worker process and with two (see `tests.concurrency.racing`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.concurrency.racing import BOUND
from tests.conftest import ADMIN_PASSWORD
from tests.servers import Server, start_server, stop_server, wait_until


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workers = int(request.param)
    running = start_server(
        tmp_path_factory.mktemp("racing"), "--workers", str(workers), RBAC_USER_CACHE_SECONDS=str(BOUND)
    )
    try:
        wait_until(lambda: len(running.worker_pids()) == workers, timeout=30)
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def admin(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token('admin', ADMIN_PASSWORD)}"}
