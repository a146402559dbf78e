"""The per-user state cache: one database read per expired entry, and never a stale entry after a change."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import anyio

from rbac_api.services.authentication import UserStateCache
from rbac_api.store.users import UserRecord, UserState


def _state(*, disabled: bool = False) -> UserState:
    now = datetime.now(UTC)
    record = UserRecord(
        id=1,
        username="paula",
        email=None,
        full_name=None,
        disabled=disabled,
        roles=("user",),
        token_version=0,
        created_at=now,
        updated_at=now,
    )
    return UserState(record, frozenset(record.roles))


def test_concurrent_misses_for_one_user_read_the_store_once() -> None:
    reads = []
    release = threading.Event()

    def loader(user_id: int) -> UserState:
        reads.append(user_id)
        release.wait(5)
        return _state()

    cache = UserStateCache(loader, ttl=60)
    results: list[UserState | None] = []

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(20):
                tasks.start_soon(lambda: _collect(cache, results))
            await anyio.sleep(0.05)
            release.set()

    anyio.run(main)
    assert reads == [1]
    assert len(results) == 20
    assert all(r is not None and not r.disabled for r in results)


async def _collect(cache: UserStateCache, results: list[UserState | None]) -> None:
    results.append(await cache.get(1))


def test_a_read_overlapping_an_invalidation_is_not_cached() -> None:
    """Disable a user while their old state is being read: the stale read must not be kept."""
    current = {"disabled": False}
    reading = threading.Event()
    release = threading.Event()

    def loader(user_id: int) -> UserState:
        state = _state(disabled=current["disabled"])
        reading.set()
        release.wait(5)
        return state

    cache = UserStateCache(loader, ttl=60)

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(cache.get, 1)
            await anyio.to_thread.run_sync(reading.wait, 5)
            current["disabled"] = True  # the change, committed by this instance...
            cache.invalidate(1)  # ...which then tells its cache, while the old read is still in flight
            release.set()
        reading.clear()
        state = await cache.get(1)
        assert state is not None
        assert state.disabled

    anyio.run(main)
