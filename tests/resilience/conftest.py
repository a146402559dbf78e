"""A PostgreSQL server of the tests' own, which they crash and start again.

The tests need `initdb`/`pg_ctl`/`postgres` on PATH; without them they skip, saying so, unless
`RBAC_REQUIRE_POSTGRES=1` (CI), where a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import pg_cluster

T = TypeVar("T")


def run_async(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`anyio.run(func, *args)` on a thread of its own: the browser tests' Playwright leaves an event loop
    marked as running on the main thread, where `anyio.run` would refuse to start."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(anyio.run, func, *args).result()


class Cluster:
    """A running PostgreSQL cluster in `directory`; `down()` crashes it and starts it again afterwards."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = pg_cluster.start(directory)
        self.running = True

    def new_database(self) -> str:
        """The URL of a new, empty database (the service migrates it when it starts)."""
        name = f"outage_{uuid.uuid4().hex[:16]}"
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend dies at once, as in a crash."""
        pg_cluster.stop(self.directory)
        self.running = False

    def restart(self) -> None:
        pg_cluster.resume(self.directory)
        self.running = True

    @contextmanager
    def down(self) -> Iterator[None]:
        """Crashed for the block; running again after it (unless the block restarted it itself)."""
        self.crash()
        try:
            yield
        finally:
            if not self.running:
                self.restart()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    missing = pg_cluster.missing_binaries()
    if missing:
        reason = (
            f"needs a PostgreSQL server to crash: {', '.join(missing)} not found; {pg_cluster.INSTALL_HINT}"
        )
        if os.environ.get("RBAC_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"RBAC_REQUIRE_POSTGRES=1 but this test {reason}")
        pytest.skip(reason)
    # Directly under the temporary directory: as root the server runs as `postgres`, which must reach it.
    directory = Path(tempfile.mkdtemp(prefix="rbac-outage-"))
    running = Cluster(directory)
    try:
        yield running
    finally:
        if running.running:
            pg_cluster.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)
