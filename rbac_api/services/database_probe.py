"""Whether the database answers, as `/health` reports it, without a query per call.

Load balancers ask `/health` every few seconds, from every balancer, of every instance: the answer is kept
for `ttl` seconds, one probe runs at a time (in a worker thread, off the event loop), and callers arriving
while it runs get the last answer. A probe that takes longer than `wait` seconds (a host that answers
nothing, every pooled connection busy) counts as "unavailable" for the caller that started it; when it
ends, its own outcome replaces that.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio

from rbac_api.core.errors import Unavailable

log = logging.getLogger("rbac_api.database")

#: Seconds a probe's outcome is reused.
PROBE_TTL = 1.0
#: Seconds `/health` waits for a probe before answering "unavailable".
PROBE_WAIT = 2.0


class DatabaseProbe:
    def __init__(self, ping: Callable[[], None], *, ttl: float = PROBE_TTL, wait: float = PROBE_WAIT) -> None:
        """`ping` makes one round trip to the database and raises `Unavailable` when it cannot."""
        self._ping = ping
        self._ttl = ttl
        self._wait = wait
        self._reachable = True  # the service has just checked its schema, so the database answered
        self._checked = float("-inf")
        self._probing = False

    async def reachable(self) -> bool:
        if self._probing or time.monotonic() - self._checked < self._ttl:
            return self._reachable
        self._probing = True
        with anyio.move_on_after(self._wait) as waited:
            await anyio.to_thread.run_sync(self._probe, abandon_on_cancel=True)
        if waited.cancelled_caught:
            self._record(reachable=False)
        return self._reachable

    def _probe(self) -> None:
        """Runs in a worker thread, and records its outcome even when nobody waits for it any more."""
        try:
            self._ping()
        except Unavailable:
            self._record(reachable=False)
        else:
            self._record(reachable=True)
        finally:
            self._probing = False

    def _record(self, *, reachable: bool) -> None:
        if reachable and not self._reachable:
            log.info("database reachable again")
        self._reachable, self._checked = reachable, time.monotonic()
