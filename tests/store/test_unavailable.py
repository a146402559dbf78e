"""Where a database outage becomes `Unavailable`, on SQLite (the PostgreSQL crash is tests/resilience):
a database locked past the busy timeout and a pool with no free connection in time are outages to retry,
while a unique violation stays an integrity error (a 409 upstream), never a 503."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, exc, text

from rbac_api.core.errors import Unavailable
from rbac_api.store.database import make_engine
from rbac_api.store.outages import OutagePool, translate_outages


def _engine(path: Path, **options: Any) -> Engine:
    """An engine as `make_engine` builds one, with timeouts a test can wait for."""
    engine = create_engine(f"sqlite:///{path}", poolclass=OutagePool, **options)
    translate_outages(engine)
    return engine


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "outage.db"
    with closing(sqlite3.connect(path)) as setup:
        setup.execute("CREATE TABLE names (name TEXT PRIMARY KEY)")
        setup.commit()
    return path


def test_a_database_locked_past_the_busy_timeout_is_unavailable(database: Path) -> None:
    engine = _engine(database, connect_args={"timeout": 0.1})
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(Unavailable), engine.begin() as connection:
            connection.execute(text("INSERT INTO names VALUES ('alice')"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()


def test_a_pool_with_no_free_connection_in_time_is_unavailable(database: Path) -> None:
    engine = _engine(database, pool_size=1, max_overflow=0, pool_timeout=0.1)
    with engine.connect(), pytest.raises(Unavailable):
        engine.connect()
    engine.dispose()


def test_a_unique_violation_stays_an_integrity_error(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO names VALUES ('alice')"))
    with pytest.raises(exc.IntegrityError), engine.begin() as connection:
        connection.execute(text("INSERT INTO names VALUES ('alice')"))
    engine.dispose()


def test_the_pool_after_a_dispose_still_reports_a_timeout(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = _engine(database, pool_size=1, max_overflow=0, pool_timeout=0.1)
    engine.dispose()  # the service's lifespan does this; the engine goes on with a new pool
    with engine.connect(), pytest.raises(Unavailable):
        engine.connect()
    engine.dispose()
    assert [record.getMessage() for record in caplog.records if record.name == "rbac_api.database"] == [
        "database unavailable (sqlalchemy.exc.TimeoutError)"
    ]
