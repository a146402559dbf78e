"""Database engine set-up: SQLite by default, PostgreSQL (psycopg 3) when it outgrows one machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, create_engine

from rbac_api.core.errors import InvalidInput
from rbac_api.core.text import NUL_MESSAGE, nul_path
from rbac_api.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from rbac_api.store.outages import OutagePool, translate_outages

#: Seconds to wait for a PostgreSQL server to accept a connection (unless the URL sets `connect_timeout`):
#: an unreachable host answers nothing, and without a limit a request would wait minutes for its 503.
CONNECT_TIMEOUT = 5


def metadata() -> MetaData:
    """Every table of the service, as the migrations must produce them."""
    return SQLModel.metadata


def make_engine(url: str, *, pool_size: int = 5, timeout: float = 30) -> Engine:
    """An engine for `url`; for SQLite, creates the file's directory and turns on foreign keys and WAL.

    `pool_size` connections are kept open to a server database (plus as many again under bursts);
    `pool_pre_ping` replaces a connection the server closed (a restart) instead of failing a request.
    On either backend a database that cannot answer raises `Unavailable` (see `rbac_api.store.outages`),
    and so does waiting longer than `timeout` seconds for a pooled connection or for SQLite's write lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = _server_engine(url, pool_size, timeout)
    else:
        engine = _sqlite_engine(url, parsed.database, timeout)
    translate_outages(engine)
    return engine


def _server_engine(url: str, pool_size: int, timeout: float) -> Engine:
    connect = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    engine = create_engine(
        url,
        poolclass=OutagePool,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=timeout,
        connect_args=connect,
    )
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _sqlite_engine(url: str, database: str | None, timeout: float) -> Engine:
    if not database or database == ":memory:":
        pool: dict[str, Any] = {}  # SQLAlchemy's default: one connection, so one in-memory database
    else:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"poolclass": OutagePool, "pool_timeout": timeout}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout}, **pool)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def ping(engine: Engine) -> None:
    """One round trip to the database; raises `Unavailable` when it cannot answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, *_args: Any) -> None:
    """The last line behind the entry points' own checks: PostgreSQL rejects NUL in text with an error
    that would be a 500; a NUL that got this far is the client's bad input all the same."""
    if parameters and nul_path(parameters) is not None:
        raise InvalidInput(f"text {NUL_MESSAGE}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
