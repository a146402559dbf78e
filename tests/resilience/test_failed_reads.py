"""A failed read of a user's state or of the ended sessions fails every request waiting for it, and
leaves nothing behind: no cached entry, no flight that later requests would wait on, no stale list taken
for a fresh one. The loaders stand in for the store the way the service calls it: in a worker thread,
raising `Unavailable` while the database is down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest

from rbac_api.core.errors import Unavailable
from rbac_api.services.authentication import UserStateCache
from rbac_api.services.revocations import RevocationList
from rbac_api.store.users import UserRecord, UserState
from tests.resilience.conftest import run_async

WAITERS = 20


def _state() -> UserState:
    now = datetime.now(UTC)
    record = UserRecord(
        id=1,
        username="paula",
        email=None,
        full_name=None,
        disabled=False,
        roles=("user",),
        token_version=0,
        created_at=now,
        updated_at=now,
    )
    return UserState(record, frozenset(record.roles))


class Database:
    """Down until `up` is set; each read blocks until `release`, so concurrent callers pile up behind it."""

    def __init__(self) -> None:
        self.up = False
        self.release = threading.Event()
        self.reads = 0

    def read(self, answer: Any) -> Any:
        self.reads += 1
        self.release.wait(5)
        if not self.up:
            raise Unavailable()
        return answer


def outcomes(call: Callable[[], Any], database: Database) -> list[str]:
    """What each of `WAITERS` concurrent calls got: 'ok' or the name of what it raised."""
    got: list[str] = []

    async def one() -> None:
        try:
            await call()
            got.append("ok")
        except Unavailable:
            got.append("Unavailable")

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(WAITERS):
                tasks.start_soon(one)
            await anyio.sleep(0.05)
            database.release.set()

    run_async(main)
    return got


def test_requests_waiting_for_a_failed_read_of_ended_sessions_all_fail() -> None:
    """Not one of them may go on to check its token against the list that was too old to use."""
    database = Database()
    revocations = RevocationList(lambda _cutoff: database.read({"ended"}), bound=60, horizon=900)
    assert outcomes(lambda: revocations.is_revoked("live"), database) == ["Unavailable"] * WAITERS
    assert database.reads == 1


def test_a_failed_read_of_ended_sessions_is_read_again_by_the_next_request() -> None:
    database = Database()
    database.release.set()
    revocations = RevocationList(lambda _cutoff: database.read({"ended"}), bound=60, horizon=900)
    with pytest.raises(Unavailable):
        run_async(revocations.is_revoked, "ended")
    assert not revocations.fresh()
    database.up = True
    assert run_async(revocations.is_revoked, "ended")


def test_requests_waiting_for_a_failed_user_state_read_all_fail_with_one_read() -> None:
    database = Database()
    cache = UserStateCache(lambda _user_id: database.read(_state()), ttl=60)
    assert outcomes(lambda: cache.get(1), database) == ["Unavailable"] * WAITERS
    assert database.reads == 1


def test_a_failed_user_state_read_caches_nothing() -> None:
    database = Database()
    database.release.set()
    cache = UserStateCache(lambda _user_id: database.read(_state()), ttl=60)
    with pytest.raises(Unavailable):
        run_async(cache.get, 1)
    assert cache.peek(1) is None
    database.up = True
    state = run_async(cache.get, 1)
    assert state is not None
    assert state.record.username == "paula"
