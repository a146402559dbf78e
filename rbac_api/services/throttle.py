"""Failed logins and anonymous sign-ups counted in sliding windows, in the database all instances share.

Failures count per (user name, client address) pair and per client address, never per user name alone: an
attacker hammering a victim's name from elsewhere cannot lock the victim out of the victim's own address.
The check runs before the password is verified, so a throttled attempt costs no bcrypt.
"""

from __future__ import annotations

import math
import time
from functools import partial
from typing import NoReturn

import anyio

from rbac_api.core.errors import RateLimited
from rbac_api.settings import Settings
from rbac_api.store.throttle import RateEventStore, Reservation, WindowCount

PAIR_FULL = "Too many failed logins for this user name from your address"
ADDRESS_FULL = "Too many failed logins from your address"
#: Stands for a client whose address the server could not tell (a test client, a Unix socket).
UNKNOWN_ADDRESS = "unknown"


class Throttle:
    def __init__(self, store: RateEventStore, settings: Settings) -> None:
        self._store = store
        self._window = settings.login_window_seconds
        self._max_pair = settings.login_max_failures
        self._max_address = settings.login_max_failures_per_address
        self._max_signups = settings.signup_max_per_address

    async def attempt_login(self, username: str, address: str | None) -> Reservation:
        """Count this attempt as a failure of the pair and the address before the password is checked,
        or raise `RateLimited` when either has used up its failures in the window.

        Counting first is what keeps simultaneous attempts within the limit; `login_succeeded` or
        `release` takes the count back when the password turns out right.
        """
        pair, per_address = _login_buckets(username, address)
        limits = {pair: self._max_pair, per_address: self._max_address}
        reservation = await self._reserve(limits)
        if reservation.refused is not None:
            full = PAIR_FULL if reservation.refused_bucket == pair else ADDRESS_FULL
            self._refuse(reservation.refused, full)
        return reservation

    async def login_succeeded(self, username: str, reservation: Reservation, address: str | None) -> None:
        """The pair starts afresh; the address loses only this attempt (one good account must not reset
        what other names failed from there)."""
        pair, _ = _login_buckets(username, address)
        await anyio.to_thread.run_sync(self._store.release, reservation.event_ids)
        await anyio.to_thread.run_sync(self._store.clear, pair)

    async def release(self, reservation: Reservation) -> None:
        """The attempt did not fail (an old password that matched): it counts for nothing."""
        await anyio.to_thread.run_sync(self._store.release, reservation.event_ids)

    async def check_signup(self, address: str | None) -> None:
        """Count one anonymous sign-up attempt, refusing it past the limit: each costs a bcrypt hash."""
        reservation = await self._reserve({f"signup:{address or UNKNOWN_ADDRESS}": self._max_signups})
        if reservation.refused is not None:
            self._refuse(reservation.refused, "Too many sign-ups from your address")

    async def prune(self) -> None:
        await anyio.to_thread.run_sync(partial(self._store.prune, before=time.time() - self._window))

    async def _reserve(self, limits: dict[str, int]) -> Reservation:
        now = time.time()
        reserve = partial(self._store.reserve, limits, at=now, since=now - self._window)
        return await anyio.to_thread.run_sync(reserve)

    def _refuse(self, count: WindowCount, what: str) -> NoReturn:
        oldest = count.oldest if count.oldest is not None else time.time()
        retry_after = max(1, math.ceil(oldest + self._window - time.time()))
        raise RateLimited(f"{what}; retry after {retry_after} seconds", retry_after=retry_after)


def _login_buckets(username: str, address: str | None) -> tuple[str, str]:
    # The address comes first and cannot contain '|', so no two (address, name) pairs share a bucket.
    where = address or UNKNOWN_ADDRESS
    return f"login:{where}|{username[:128]}", f"login:{where}"
