"""Many requests at once against a real server, with one worker process and with two.

The requests really overlap: each comes from its own thread with its own connection, opened before a
barrier that lets them all go at once. With two workers, the connections are spread over two processes
that share nothing but the database (SQLite, or PostgreSQL in the suite's PostgreSQL mode).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import text

from rbac_api.store.database import make_engine
from tests.servers import TLS, Server

#: How many requests each race sends at once.
RACERS = 50
#: RBAC_USER_CACHE_SECONDS of the servers: how long a worker may act on what another worker changed.
BOUND = 1.0

Send = Callable[[httpx.Client], httpx.Response]


def race(server: Server, send: Send, count: int = RACERS) -> list[httpx.Response]:
    """`send` from `count` threads at once, each on a connection it opened beforehand.

    Fails unless the connections reached every worker of the server: a race inside one process only
    would not show what a second process sharing the database does.
    """
    barrier = threading.Barrier(count)
    workers: set[int] = set()

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60, verify=TLS) as client:
            workers.add(client.get("/health").json()["pid"])  # the worker this connection stays with
            barrier.wait(timeout=60)
            return send(client)

    with ThreadPoolExecutor(count) as pool:
        responses = list(pool.map(one, range(count)))
    assert workers == server.worker_pids()
    return responses


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


def bodies(responses: list[httpx.Response], status: int) -> list[Any]:
    return [response.json() for response in responses if response.status_code == status]


def count_rows(server: Server, sql: str, **parameters: Any) -> int:
    """Ask the server's database directly, past every cache."""
    engine = make_engine(server.env["RBAC_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql), parameters).scalar_one())
    finally:
        engine.dispose()
