"""`/health` reports whether the database answers, without a query per call (load balancers call it all the
time): one probe per second at most, off the event loop, and a probe that hangs does not hang `/health`."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import event

from rbac_api.core.errors import RETRY_AFTER_OUTAGE, Unavailable
from rbac_api.rest.targets import served_routes
from rbac_api.runtime import Rbac
from rbac_api.services.database_probe import PROBE_TTL, DatabaseProbe
from rbac_api.store.database import ping
from tests.resilience.conftest import run_async


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

    reachable, took = run_async(ask)
    release.set()
    assert not reachable
    assert took < 2


def test_a_probe_that_ends_after_the_wait_still_records_its_outcome() -> None:
    started, release = threading.Event(), threading.Event()

    def ping() -> None:
        started.set()
        release.wait(5)

    probe = DatabaseProbe(ping, ttl=60, wait=1.0)  # ample time for a worker thread to take the probe
    assert not run_async(probe.reachable)
    assert started.is_set()
    release.set()
    deadline = time.monotonic() + 5
    while not run_async(probe.reachable):  # the cached "unavailable" until the late ping records "ok"
        assert time.monotonic() < deadline, "the late outcome was never recorded"
        time.sleep(0.01)


async def _take_every_worker_thread(borrower: object) -> tuple[anyio.CapacityLimiter, float]:
    """Shrink the app's thread limiter to the threads in use (the policy watcher holds one) plus one, and
    take that one: the next `to_thread.run_sync` waits."""
    limiter = anyio.to_thread.current_default_thread_limiter()
    tokens, limiter.total_tokens = limiter.total_tokens, limiter.borrowed_tokens + 1
    await limiter.acquire_on_behalf_of(borrower)
    return limiter, tokens


@contextmanager
def every_worker_thread_busy(client: TestClient) -> Iterator[None]:
    """The app's worker threads all taken (slow queries, bcrypt hashes) for the block."""
    assert client.portal is not None
    busy = object()
    limiter, tokens = client.portal.call(_take_every_worker_thread, busy)
    try:
        yield
    finally:
        client.portal.call(limiter.release_on_behalf_of, busy)
        client.portal.call(setattr, limiter, "total_tokens", tokens)


def test_a_cached_health_answer_needs_no_worker_thread(client: TestClient, rbac: Rbac) -> None:
    """A load balancer's poll is answered from the event loop, even while every worker thread is busy."""
    probe = DatabaseProbe(partial(ping, rbac.db), ttl=60)  # a reused answer for the whole test
    client.app.state.rbac = replace(rbac, database=probe)  # type: ignore[attr-defined]
    assert client.get("/health").status_code == 200  # the one probe, in a worker thread
    with ThreadPoolExecutor(1) as caller, every_worker_thread_busy(client):
        answer = caller.submit(client.get, "/health")
        answered, _ = wait([answer], timeout=5)
    assert answered, "/health waited for a worker thread"
    assert answer.result().status_code == 200


def test_a_probe_that_got_no_worker_thread_in_time_does_not_block_the_next() -> None:
    """Given up before a thread took it, the probe never runs: it must not count as one in flight."""
    probe = DatabaseProbe(lambda: None, ttl=0, wait=0.1)

    async def ask_starved_then_free() -> tuple[bool, bool]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        busy, limiter.total_tokens = object(), 1
        await limiter.acquire_on_behalf_of(busy)
        starved = await probe.reachable()
        limiter.release_on_behalf_of(busy)
        for _ in range(500):  # the next probes, for up to about 5 s
            if await probe.reachable():
                return starved, True
            await anyio.sleep(0.01)
        return starved, False

    assert run_async(ask_starved_then_free) == (False, True)


def test_health_reports_a_policy_put_in_force_since_the_last_answer(client: TestClient, rbac: Rbac) -> None:
    before = client.get("/health").json()["policy"]
    rbac.engine.swap(
        replace(rbac.engine.policy, version="f" * 12, loaded_at=datetime(2031, 1, 2, tzinfo=UTC))
    )
    after = client.get("/health").json()["policy"]
    assert before["version"] != after["version"]
    assert after == {"version": "f" * 12, "loaded_at": "2031-01-02T00:00:00+00:00"}


def test_health_reports_a_rejected_policy_change_as_degraded_with_its_error(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    client.app.state.reloader.error = "policies/roles.yaml:3: unknown scope 'x:y'"  # type: ignore[attr-defined]
    body = client.get("/health").json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert body["policy"]["error"] == "policies/roles.yaml:3: unknown scope 'x:y'"


def test_health_answers_503_with_retry_after_once_the_database_stops_answering(
    client: TestClient, rbac: Rbac
) -> None:
    answers = iter([None])

    def ping() -> None:
        if next(answers, "down") == "down":
            raise Unavailable("down")

    client.app.state.rbac = replace(rbac, database=DatabaseProbe(ping, ttl=0))  # type: ignore[attr-defined]
    assert client.get("/health").status_code == 200
    response = client.get("/health")
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_OUTAGE)
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "degraded"


def test_the_health_route_resolves_no_dependency(client: TestClient) -> None:
    """A load balancer's poll pays for no dependency resolution (and so never for a sync one's thread)."""
    (route,) = [view for _route, view in served_routes(client.app) if view.path == "/health"]  # type: ignore[arg-type]
    assert route.dependant.dependencies == []
