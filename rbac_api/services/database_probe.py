"""Whether the database answers, as `/health` reports it, without a query per call.

Load balancers ask `/health` every few seconds, from every balancer, of every instance: the answer is kept
for `ttl` seconds and given straight from the event loop; one probe runs at a time (in a worker thread),
and callers arriving while it runs get the last answer. A probe that takes longer than `wait` seconds (a
host that answers nothing, every pooled connection or worker thread busy) counts as "unavailable" for the
caller that started it; when it ends, its own outcome replaces that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import anyio

from rbac_api.core.errors import Unavailable

log = logging.getLogger("rbac_api.database")

#: Seconds a probe's outcome is reused.
PROBE_TTL = 1.0
#: Seconds `/health` waits for a probe before answering "unavailable".
PROBE_WAIT = 2.0


class _Probe:
    """One probe's claim on running: a probe given up before a worker thread took it must never run, or
    two could be in flight; one already running is left to finish and record its outcome."""

    __slots__ = ("_lock", "_state")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "queued"

    def start(self) -> bool:
        """In the worker thread: False when the caller gave up first."""
        return self._claim("running")

    def abandon(self) -> bool:
        """On the event loop, once the wait is over: False when the probe is already running."""
        return self._claim("abandoned")

    def _claim(self, state: str) -> bool:
        with self._lock:
            if self._state != "queued":
                return False
            self._state = state
            return True


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
        probe = _Probe()
        with anyio.move_on_after(self._wait) as waited:
            await anyio.to_thread.run_sync(self._run, probe, abandon_on_cancel=True)
        if waited.cancelled_caught:
            self._record(reachable=False)
            if probe.abandon():  # it never got a worker thread, and now never will
                self._probing = False
        return self._reachable

    def _run(self, probe: _Probe) -> None:
        """Runs in a worker thread, and records its outcome even when nobody waits for it any more."""
        if not probe.start():
            return
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
