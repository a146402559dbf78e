"""The ended sessions whose access tokens may still be unexpired, as a set in memory.

The hot path asks `in` of a set. The set is re-read from the database when it is older than the staleness
bound (`RBAC_USER_CACHE_SECONDS`, the same bound as every other change made on another instance; 0 re-reads
on every request), so a logout on one instance is enforced on all of them within the bound. Only sessions
ended within the last access-token lifetime are kept: older ones' tokens have expired anyway, so the set
holds at most what logins (each costing a bcrypt hash) can create in one token lifetime.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from rbac_api.services.single_flight import Flight


class RevocationList:
    def __init__(self, loader: Callable[[float], set[str]], *, bound: float, horizon: float) -> None:
        """`loader(cutoff)` returns the public ids of sessions ended after `cutoff` (epoch seconds);
        `horizon` is how long an access token can outlive its session's end (lifetime plus leeway)."""
        self._loader = loader
        self._bound = bound
        self._horizon = horizon
        self._ids: set[str] = set()
        self._added: set[str] = set()
        self._synced = float("-inf")
        self._loading: Flight | None = None

    def fresh(self) -> bool:
        return time.monotonic() - self._synced < self._bound

    def __contains__(self, public_id: str) -> bool:
        return public_id in self._ids

    def add(self, public_id: str) -> None:
        """A session ended on this instance: refused here at once, without waiting for the next read."""
        self._ids.add(public_id)
        self._added.add(public_id)

    async def sync(self) -> None:
        """Re-read the list; concurrent callers wait for one read (single flight) and share its outcome.

        A failed read (`Unavailable` while the database is down) fails every caller waiting for it and
        leaves the list as stale as it was, so nobody goes on checking tokens against a list older than the
        bound: past it, requests that need authentication fail closed until the database answers again.
        """
        while (in_flight := self._loading) is not None:
            if await in_flight.wait():
                return
        self._loading = flight = Flight()
        started = time.monotonic()
        self._added = set()
        try:
            ids = await flight.run(anyio.to_thread.run_sync(self._loader, time.time() - self._horizon))
        finally:
            self._loading = None
        # Ends recorded here while the read ran may have committed after it looked: keep them.
        self._ids = ids | self._added
        self._synced = started

    async def is_revoked(self, public_id: str) -> bool:
        if not self.fresh():
            await self.sync()
        return public_id in self._ids
