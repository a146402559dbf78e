"""Where a database outage becomes `Unavailable`: once, for every query of every store, the CLI's included.

PEP 249 sorts driver errors by cause; two of its classes mean "not now" rather than "wrong": an
`OperationalError` (the server is gone or restarting, a connection was lost, a lock or statement timed out,
too many connections) and an `InterfaceError` (the connection object itself is unusable). Both become
`Unavailable`, which the edges answer with 503 and `Retry-After`. Everything else (an `IntegrityError` from
a unique violation, a `ProgrammingError` from a bug) stays what it is. A pool that cannot hand out a
connection within its timeout is an outage too.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from rbac_api.core.errors import Unavailable

log = logging.getLogger("rbac_api.database")

#: Seconds between two warnings about one outage: a down database fails every request, the log says so once.
WARNING_INTERVAL = 10.0


class OutageLog:
    """One WARNING line per `interval` naming the error's class (never its message: psycopg's names the
    host and port, a statement's may quote data), with how many more failures it stands for."""

    def __init__(self, interval: float = WARNING_INTERVAL) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._since = 0

    def note(self, error: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self._interval:
                self._since += 1
                return
            more, self._last, self._since = self._since, now, 0
        kind = f"{type(error).__module__}.{type(error).__qualname__}"
        also = f" ({more} more failures since the last warning)" if more else ""
        log.warning("database unavailable (%s)%s", kind, also)


def unreachable(error: Unavailable, url: str) -> str:
    """Why the service or a command could not start: the first line of the driver's own error behind
    `error`, with the URL's password masked, and what to do.

    For the operator, who must tell a stopped server from a missing database or a refused login: unlike the
    log lines of a running service, it may name the host (the operator's own configuration), never the
    password.
    """
    cause = error.__cause__
    lines = str(cause).strip().splitlines() if cause is not None else []
    reason = lines[0] if lines else type(cause).__name__ if cause is not None else "no answer"
    password = make_url(url).password if url else None
    if password:
        reason = reason.replace(str(password), "***")
    return f"the database does not answer ({reason}); start it, or set RBAC_DATABASE_URL to one that answers"


def translate_outages(engine: Engine) -> None:
    """Make every outage met by `engine` raise `Unavailable` (and log it) instead of a driver error."""
    outages = OutageLog()

    def handle_error(context: ExceptionContext) -> None:
        # A failed pre-ping is the pool's business: it replaces the dead connection and carries on.
        if context.is_pre_ping:
            return
        error = context.sqlalchemy_exception
        if context.is_disconnect or isinstance(error, exc.OperationalError | exc.InterfaceError):
            outages.note(context.original_exception)
            raise Unavailable()

    event.listen(engine, "handle_error", handle_error)
    pool = engine.pool
    if isinstance(pool, OutagePool):
        pool.outages = outages


class OutagePool(QueuePool):
    """A `QueuePool` whose wait for a free connection, once past `pool_timeout`, ends in `Unavailable`:
    every connection busy that long means the database cannot keep up, and the client should retry."""

    outages: OutageLog | None = None

    def recreate(self) -> OutagePool:
        """The pool `Engine.dispose` puts in this one's place, keeping its log."""
        pool = super().recreate()
        assert isinstance(pool, OutagePool)
        pool.outages = self.outages
        return pool

    def connect(self) -> PoolProxiedConnection:
        try:
            return super().connect()
        except (exc.TimeoutError, exc.DisconnectionError) as error:
            if self.outages is not None:
                self.outages.note(error)
            raise Unavailable() from None


# SQLAlchemy names a pool's logger after the pool's class. Its INFO lines (a connection invalidated, recycled)
# print the connection, host, port, user and database included, which our logs never carry: keep them out
# even when an application runs its root logger at INFO.
logging.getLogger(f"{OutagePool.__module__}.{OutagePool.__name__}").setLevel(logging.WARNING)
