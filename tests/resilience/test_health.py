"""`/health` reports whether the database answers, without a query per call (load balancers call it all the
time): one probe per second at most, off the event loop, and a probe that hangs does not hang `/health`."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import event

from rbac_api.runtime import Rbac
from rbac_api.services.database_probe import PROBE_TTL, DatabaseProbe


def test_health_reports_a_database_that_answers_as_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert set(body) == {"status", "pid", "database", "policy"}


def test_health_queries_the_database_at_most_once_per_probe_interval(client: TestClient, rbac: Rbac) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(rbac.db, "before_cursor_execute", count)
    started = time.monotonic()
    for _ in range(50):
        assert client.get("/health").status_code == 200
    elapsed = time.monotonic() - started
    event.remove(rbac.db, "before_cursor_execute", count)
    assert 1 <= len(statements) <= 1 + elapsed / PROBE_TTL


def test_a_probe_that_hangs_is_answered_unavailable_after_the_wait() -> None:
    """An unreachable host answers nothing: `/health` must say so in time, not wait for the connect."""
    release = threading.Event()

    def ping() -> None:
        release.wait(5)

    probe = DatabaseProbe(ping, ttl=60, wait=0.2)

    async def ask() -> tuple[bool, float]:
        started = time.monotonic()
        reachable = await probe.reachable()
        return reachable, time.monotonic() - started

    reachable, took = anyio.run(ask)
    release.set()
    assert not reachable
    assert took < 2


def test_a_probe_that_ends_after_the_wait_still_records_its_outcome() -> None:
    release = threading.Event()

    def ping() -> None:
        release.wait(5)

    probe = DatabaseProbe(ping, ttl=60, wait=0.1)
    assert not anyio.run(probe.reachable)
    release.set()
    deadline = time.monotonic() + 5
    while not anyio.run(probe.reachable):  # the cached "unavailable" until the late ping records "ok"
        assert time.monotonic() < deadline, "the late outcome was never recorded"
        time.sleep(0.01)
