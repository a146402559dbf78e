"""Forgetting what can no longer matter: throttling events past their window, sessions past their end,
API tokens past their expiry.

Without it the tables grow with every failed login and every login ever made. Deleting is safe: an
event older than the window counts for nothing, and a session that ended (expired or revoked) longer ago
than an access token lives has no token left that it could refuse.
"""

from __future__ import annotations

import logging
import time
from functools import partial

import anyio

from rbac_api.runtime import Rbac

log = logging.getLogger("rbac_api.housekeeping")

#: Seconds between two clean-ups; each deletes at most a bounded batch, so none holds a lock for long.
INTERVAL = 60.0


async def tidy(rbac: Rbac) -> None:
    """One clean-up pass; errors are logged, never raised: serving must go on without it."""
    horizon = rbac.codec.lifetime + rbac.codec.leeway
    try:
        await rbac.throttle.prune()
        await anyio.to_thread.run_sync(partial(rbac.sessions.prune, before=time.time() - horizon))
        await anyio.to_thread.run_sync(partial(rbac.api_tokens.delete_expired, now=time.time()))
    except Exception as exc:  # a database hiccup: the next pass tries again
        log.warning("housekeeping skipped: %s", exc)


async def keep_tidy(rbac: Rbac, stop: anyio.Event, interval: float = INTERVAL) -> None:
    while not stop.is_set():
        with anyio.move_on_after(interval):
            await stop.wait()
        if not stop.is_set():
            await tidy(rbac)
