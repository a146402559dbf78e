"""A bounded cache of database reads, each kept for at most `ttl` seconds: the revocation bound."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio

from rbac_api.services.single_flight import Flight

K = TypeVar("K")
V = TypeVar("V")


class LoadingCache(Generic[K, V]):
    """Values read by `loader` (in a worker thread), kept for at most `ttl` seconds, at most `max_entries`.

    `ttl` is the documented staleness bound for changes made on *another* instance; the instance making a
    change calls `invalidate`, so its very next request reads the new value. A cached `None` ("no such
    thing") is a value like any other: a flood of unknown keys costs one read per key per `ttl`.
    """

    def __init__(self, loader: Callable[[K], V], *, ttl: float, max_entries: int) -> None:
        self._loader = loader
        self._ttl = ttl
        self._max = max(1, max_entries)
        # OrderedDict: `popitem(last=False)` evicts the oldest entry in O(1).
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()
        self._loading: dict[K, Flight] = {}
        #: Bumped by every invalidation: a load that started before one must not cache what it read.
        self._generation = 0

    def peek(self, key: K) -> tuple[V] | None:
        """The cached value wrapped in a 1-tuple (so a cached None is `(None,)`), or None on a miss."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[1] >= self._ttl:
            return None
        return (entry[0],)

    async def get(self, key: K) -> V:
        cached = self.peek(key)
        return cached[0] if cached is not None else await self.load(key)

    async def load(self, key: K) -> V:
        """Read through the loader and cache. Single flight: callers missing the same key at once wait for
        one read instead of each taking a worker thread and a database connection, and share its failure
        (`Unavailable` while the database is down). A failed read caches nothing."""
        in_flight = self._loading.get(key)
        if in_flight is not None and await in_flight.wait():
            cached = self.peek(key)
            if cached is not None:
                return cached[0]
        flight = Flight()
        self._loading.setdefault(key, flight)  # never displace another reader's flight
        generation = self._generation
        try:
            value = await flight.run(anyio.to_thread.run_sync(self._loader, key))
        finally:
            if self._loading.get(key) is flight:
                del self._loading[key]
        if generation == self._generation:
            if len(self._entries) >= self._max:
                self._entries.popitem(last=False)
            self._entries[key] = (value, time.monotonic())
        return value

    def invalidate(self, key: K) -> None:
        self._generation += 1
        self._entries.pop(key, None)

    def invalidate_where(self, stale: Callable[[V], bool]) -> None:
        """Drop every entry whose value `stale` picks (a scan: for rare changes such as a revocation)."""
        self._generation += 1
        for key in [key for key, (value, _at) in self._entries.items() if stale(value)]:
            del self._entries[key]

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
