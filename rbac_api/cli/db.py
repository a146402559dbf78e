"""`rbac-api db ...`: the database schema, owned by the migrations in rbac_api/migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import fail, load_settings
from rbac_api.cli.help import example

if TYPE_CHECKING:
    from sqlalchemy import Engine


@click.group()
def db() -> None:
    """The database schema: upgrade it, see where it is, step it back."""


def _engine() -> Engine:
    from rbac_api.store.database import make_engine

    return make_engine(load_settings().database_url, pool_size=1)


@db.command(
    epilog=example("rbac-api db upgrade", "RBAC_DATABASE_URL=postgresql+psycopg://... rbac-api db upgrade")
)
def upgrade() -> None:
    """Bring the configured database to the schema this version needs (back it up first)."""
    from rbac_api.store import schema

    engine = _engine()
    before = schema.current(engine)
    if before is None and schema.has_tables(engine):
        fail("the database has tables but no migration history; move it aside and start again")
    schema.upgrade(engine)
    after = schema.current(engine)
    click.echo(
        f"database at {after} (was {before or 'empty'})" if before != after else f"database at {after}"
    )


@db.command(epilog=example("rbac-api db current"))
def current() -> None:
    """The schema revision of the configured database, and the one this version needs."""
    from rbac_api.store import schema

    found, wanted = schema.current(_engine()), schema.head()
    state = "up to date" if found == wanted else "run: rbac-api db upgrade"
    click.echo(f"database at {found or '(none)'}; this version needs {wanted}: {state}")


# `-1` is a revision, not an option.
@db.command(
    epilog=example("rbac-api db downgrade -1", "rbac-api db downgrade base"),
    context_settings={"ignore_unknown_options": True},
)
@click.argument("revision", metavar="REVISION")
def downgrade(revision: str) -> None:
    """Step the schema back to REVISION (-1 for one step, base for none); data in dropped tables is lost."""
    from rbac_api.store import schema

    engine = _engine()
    schema.downgrade(engine, revision)
    click.echo(f"database at {schema.current(engine) or '(none)'}")
