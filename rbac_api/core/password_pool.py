"""Many passwords hashed at once, one worker process per core (`rbac-api users import`).

bcrypt is meant to be slow: at the default cost of 12 a hash takes about a quarter of a second of one core,
so 10,000 of them are some 40 minutes of CPU, and only every core working at once brings that down. Worker
processes start with `spawn`: they inherit no database connection or lock of the parent, only what they are
sent (the passwords, through a pipe, never through a file or a log).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from passlib.context import CryptContext

from rbac_api.core.passwords import bcrypt_context

#: Each worker's context, set once by `_start` at the pool's cost.
_context: CryptContext | None = None


def _start(rounds: int) -> None:
    global _context
    _context = bcrypt_context(rounds)


def _hash(password: str) -> str:
    assert _context is not None, "runs only in a worker started by hash_all"
    return str(_context.hash(password))


def hash_all(
    passwords: Sequence[str],
    *,
    rounds: int,
    done: Callable[[], object] = lambda: None,
    workers: int | None = None,
) -> list[str]:
    """The bcrypt hashes of `passwords` at `rounds`, in order; `done()` is called as each one is ready.

    `workers` defaults to every core (`os.cpu_count()`).
    """
    if not passwords:
        return []
    count = pool_size(len(passwords), workers)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=spawn, initializer=_start, initargs=(rounds,)) as pool:
        hashes = []
        for hashed in pool.map(_hash, passwords):
            hashes.append(hashed)
            done()
    return hashes


def pool_size(passwords: int, workers: int | None = None) -> int:
    """How many worker processes hash `passwords`: one per core (`os.cpu_count()`), never more than needed."""
    return max(1, min(workers or os.cpu_count() or 1, passwords))
