"""Failed logins and anonymous sign-ups counted in sliding windows, in the database all instances share.

Failures count per (user name, client address) pair and per client address, never per user name alone: an
attacker hammering a victim's name from elsewhere cannot lock the victim out of the victim's own address.
The check runs before the password is verified, so a throttled attempt costs no bcrypt.
"""

from __future__ import annotations

import math
import time
from functools import partial

import anyio

from rbac_api.core.errors import RateLimited
from rbac_api.settings import Settings
from rbac_api.store.throttle import RateEventStore, WindowCount

#: Stands for a client whose address the server could not tell (a test client, a Unix socket).
UNKNOWN_ADDRESS = "unknown"


class Throttle:
    def __init__(self, store: RateEventStore, settings: Settings) -> None:
        self._store = store
        self._window = settings.login_window_seconds
        self._max_pair = settings.login_max_failures
        self._max_address = settings.login_max_failures_per_address
        self._max_signups = settings.signup_max_per_address

    async def check_login(self, username: str, address: str | None) -> None:
        """Raise `RateLimited` when the pair or the address has used up its failures in the window."""
        pair, per_address = _login_buckets(username, address)
        counts = await self._count(pair, per_address)
        now = time.time()
        self._refuse_over(
            counts[pair], self._max_pair, now, "Too many failed logins for this user name from your address"
        )
        self._refuse_over(
            counts[per_address], self._max_address, now, "Too many failed logins from your address"
        )

    async def login_failed(self, username: str, address: str | None) -> None:
        await self._record(*_login_buckets(username, address))

    async def login_succeeded(self, username: str, address: str | None) -> None:
        """The pair starts afresh; the address keeps its count (one good account must not reset it)."""
        pair, _ = _login_buckets(username, address)
        await anyio.to_thread.run_sync(self._store.clear, pair)

    async def check_signup(self, address: str | None) -> None:
        """Count one anonymous sign-up attempt, refusing it past the limit: each costs a bcrypt hash."""
        bucket = f"signup:{address or UNKNOWN_ADDRESS}"
        counts = await self._count(bucket)
        self._refuse_over(
            counts[bucket], self._max_signups, time.time(), "Too many sign-ups from your address"
        )
        await self._record(bucket)

    async def prune(self) -> None:
        await anyio.to_thread.run_sync(partial(self._store.prune, before=time.time() - self._window))

    async def _count(self, *buckets: str) -> dict[str, WindowCount]:
        count = partial(self._store.count, buckets, since=time.time() - self._window)
        return await anyio.to_thread.run_sync(count)

    async def _record(self, *buckets: str) -> None:
        await anyio.to_thread.run_sync(partial(self._store.record, buckets, at=time.time()))

    def _refuse_over(self, count: WindowCount, limit: int, now: float, what: str) -> None:
        if count.count < limit or count.oldest is None:
            return
        retry_after = max(1, math.ceil(count.oldest + self._window - now))
        raise RateLimited(f"{what}; retry after {retry_after} seconds", retry_after=retry_after)


def _login_buckets(username: str, address: str | None) -> tuple[str, str]:
    # The address comes first and cannot contain '|', so no two (address, name) pairs share a bucket.
    where = address or UNKNOWN_ADDRESS
    return f"login:{where}|{username[:128]}", f"login:{where}"
