"""Alembic migrations own the schema: the models and the migrations agree, and the service refuses a
database at another revision, naming the command that fixes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from rbac_api import ConfigError, create_app
from rbac_api.store.database import make_engine, metadata
from rbac_api.store.schema import SchemaOutOfDate, current, downgrade, ensure_schema, head, upgrade
from tests.conftest import make_settings
from tests.databases import fresh_database_url


def _empty(tmp_path: Path, name: str = "empty.db") -> str:
    return f"sqlite:///{tmp_path / name}"


def test_the_migrations_build_exactly_the_models_tables(tmp_path: Path) -> None:
    """On the suite's backend of this pass (SQLite, or PostgreSQL): its databases are made by migrations."""
    engine = make_engine(fresh_database_url(tmp_path))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata())
    assert differences == []


def test_every_migration_can_be_undone_and_redone(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path))
    downgrade(engine, "base")
    assert current(engine) is None
    upgrade(engine)
    assert current(engine) == head()


def test_a_new_database_is_created_at_the_current_revision(tmp_path: Path) -> None:
    engine = make_engine(_empty(tmp_path))
    ensure_schema(engine)
    assert current(engine) == head()


def test_a_database_at_another_revision_is_refused_with_the_upgrade_command(tmp_path: Path) -> None:
    engine = make_engine(_empty(tmp_path))
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(SchemaOutOfDate, match="rbac-api db upgrade"):
        ensure_schema(engine)


def test_tables_made_without_migrations_are_refused_saying_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(_empty(tmp_path))
    metadata().create_all(engine)
    with pytest.raises(SchemaOutOfDate, match="no migration history"):
        ensure_schema(engine)


def test_the_service_does_not_start_on_an_out_of_date_schema(tmp_path: Path) -> None:
    url = _empty(tmp_path, "old.db")
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(ConfigError, match="rbac-api db upgrade"):
        create_app(make_settings(tmp_path, database_url=url))
