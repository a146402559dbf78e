"""A fresh database at the current schema for every test, without running the migrations every time.

SQLite by default: the migrations run once into a template file that each test copies. With
`RBAC_TEST_POSTGRES_URL` set (the URL of a PostgreSQL server whose databases the tests may create and drop,
such as the throwaway cluster of `tests.pg_cluster`), every test gets its own PostgreSQL database instead,
cloned from a migrated template database, and all of them are dropped when the test process ends.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from rbac_api.store.database import make_engine
from rbac_api.store.schema import upgrade

#: The server the suite runs against besides SQLite; unset means SQLite only.
POSTGRES_URL = os.environ.get("RBAC_TEST_POSTGRES_URL")
REQUIRE_VARIABLE = "RBAC_REQUIRE_POSTGRES"

_sqlite_template: Path | None = None
_postgres_template: str | None = None
_created: list[str] = []


@event.listens_for(Engine, "connect")
def _no_fsync_on_commit(dbapi_connection: object, _record: object) -> None:
    """SQLite databases opened by the test process skip the fsync on each commit (`synchronous=NORMAL`,
    which in WAL mode syncs only at checkpoints): 4 ms or more per commit on this kind of disk, thousands
    of commits a run. What a test reads is unchanged (every connection sees each commit); only what survives
    a power cut is, and no test cuts the power. Servers the tests start keep the service's own setting."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def backend() -> str:
    return "postgresql" if POSTGRES_URL else "sqlite"


def postgres_or_stop(what: str) -> None:
    """For tests that only make sense on PostgreSQL (`what` says why): skip on SQLite, saying how to run
    them, unless `RBAC_REQUIRE_POSTGRES=1` and no PostgreSQL server was named at all, which fails.

    `RBAC_TEST_POSTGRES_URL` set but empty is a deliberate SQLite pass (`tests.run` makes one before its
    PostgreSQL pass, which runs these tests): there they skip even where PostgreSQL is required.
    """
    if POSTGRES_URL:
        return
    reason = f"{what}: set RBAC_TEST_POSTGRES_URL (python -m tests.pg_cluster start DIR prints one)"
    if os.environ.get(REQUIRE_VARIABLE) == "1" and POSTGRES_URL is None:
        pytest.fail(f"PostgreSQL is required here ({REQUIRE_VARIABLE}=1) but {reason}", pytrace=False)
    pytest.skip(reason)


def fresh_database_url(directory: Path) -> str:
    """The URL of a database at the current schema belonging to `directory` (created on first use)."""
    if POSTGRES_URL:
        return _postgres_database(directory)
    path = directory / "rbac.db"
    if not path.exists():
        shutil.copyfile(_sqlite_template_file(), path)
    return f"sqlite:///{path}"


def empty_database_url(directory: Path) -> str:
    """The URL of a database with no tables at all, belonging to `directory`: what a first start finds."""
    if not POSTGRES_URL:
        return f"sqlite:///{directory / 'empty.db'}"
    name = _database_name(directory) + "_empty"
    admin = _admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _created.append(name)
    return _database_url(name)


def _sqlite_template_file() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        path = Path(tempfile.mkdtemp(prefix="rbac-template-")) / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        _sqlite_template = path
    return _sqlite_template


def _admin() -> Engine:
    assert POSTGRES_URL is not None
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _database_name(directory: Path) -> str:
    return "rbac_t_" + hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:20]


def _postgres_database(directory: Path) -> str:
    name = _database_name(directory)
    if name not in _created:
        template = _postgres_template_name()
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        admin.dispose()
        _created.append(name)
    return _database_url(name)


def _postgres_template_name() -> str:
    global _postgres_template
    if _postgres_template is None:
        name = f"rbac_template_{os.getpid()}"
        admin = _admin()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(_database_url(name))
        upgrade(engine)
        engine.dispose()
        _created.append(name)
        _postgres_template = name
    return _postgres_template


@atexit.register
def _drop_created() -> None:
    if not POSTGRES_URL or not _created:
        return
    admin = _admin()
    with admin.connect() as connection:
        for name in reversed(_created):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
