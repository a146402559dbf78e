"""The database schema is owned by Alembic migrations (`rbac_api/migrations/`), on every backend.

A new, empty database is brought to the current schema on start (the zero-set-up default); a database
that holds an older schema is refused with the command that upgrades it, since an upgrade of a shared
database is an operator's decision, not something one starting instance should do behind the others' backs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Key of the PostgreSQL advisory lock held while an instance creates the schema (any constant will do).
SCHEMA_LOCK = 0x72626173


class SchemaOutOfDate(Exception):
    """The database's schema is not the one this version of the service needs; the message says how to fix."""


def _config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head() -> str:
    """The revision this code needs."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "the migrations directory has no revision"
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for a database no migration has touched."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    with engine.begin() as connection:
        config = _config(engine)
        config.attributes["connection"] = connection
        step(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse one at another revision, naming the command.

    Instances starting at once on an empty PostgreSQL database take turns under an advisory lock: the
    first creates the schema, the others then find it at the head revision (without the lock, all of them
    would create the same tables and all but one would fail to start).
    """
    if current(engine) == head():
        return
    with _schema_lock(engine):
        _create_or_refuse(engine)


def _create_or_refuse(engine: Engine) -> None:
    found = current(engine)
    wanted = head()
    if found == wanted:
        return
    if found is None:
        if not has_tables(engine):
            upgrade(engine)
            return
        raise SchemaOutOfDate(
            "the database has tables but no migration history (made by a development version before "
            "migrations); move it aside and start again, e.g. mv var/rbac.db var/rbac.db.old"
        )
    raise SchemaOutOfDate(
        f"the database schema is at revision {found}, "
        f"this version needs {wanted}; back up the database, then run: rbac-api db upgrade"
    )


@contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one instance at a time past this point; SQLite needs none (one host, and `serve`
    creates the schema before it starts any worker)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})


def has_tables(engine: Engine) -> bool:
    """Tables other than Alembic's own bookkeeping (which a downgrade to `base` leaves behind, empty)."""
    return bool(set(inspect(engine).get_table_names()) - {"alembic_version"})
