"""One read that every caller arriving while it runs shares, its outcome included."""

from __future__ import annotations

from collections.abc import Awaitable
from types import TracebackType
from typing import TypeVar

import anyio

T = TypeVar("T")


class Flight:
    """A read in progress (the user state of one user, the list of ended sessions).

    Callers that arrive meanwhile `wait` for it instead of each taking a worker thread and a database
    connection, and share its outcome: when it fails (the database is down), they fail with its error at
    once, rather than repeating the read one after another or carrying on with what they had before.
    """

    __slots__ = ("_done", "_error", "_succeeded", "_traceback")

    def __init__(self) -> None:
        self._done = anyio.Event()
        self._succeeded = False
        self._error: Exception | None = None
        self._traceback: TracebackType | None = None

    async def run(self, read: Awaitable[T]) -> T:
        """Run the read as this flight's one reader; waiters wake when it ends, however it ends."""
        try:
            value = await read
        except Exception as error:
            self._error, self._traceback = error, error.__traceback__
            raise
        else:
            self._succeeded = True
            return value
        finally:
            self._done.set()

    async def wait(self) -> bool:
        """Wait for the read to end. True when it succeeded; raises its error when it failed; False when
        it ended without an outcome (its reader was cancelled), so the caller must read for itself."""
        await self._done.wait()
        if self._error is not None:
            # The traceback as it was when the read failed: re-raising the one object from several
            # waiters must not stack their frames onto it.
            raise self._error.with_traceback(self._traceback)
        return self._succeeded
