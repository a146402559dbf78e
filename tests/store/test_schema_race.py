"""Instances starting at once on an empty PostgreSQL database: one creates the schema, all of them start.

Deterministic: a transaction of the test's own holds back the first instance in the middle of creating the
schema (it has created a table the migration needs too), the second instance starts while the first
waits, and only then is the first let go. Each instance is a process of its own, as on separate hosts.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, text

from rbac_api.store.database import make_engine
from rbac_api.store.schema import current, head
from tests.databases import empty_database_url, postgres_or_stop
from tests.servers import wait_until

#: What an instance does first on start: `create_app` calls `ensure_schema` before anything else touches the
#: database.
START = (
    "import sys; from rbac_api.store import database, schema; "
    "schema.ensure_schema(database.make_engine(sys.argv[1]))"
)
WAITING = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def waiting(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(WAITING)).scalar_one())


def start(url: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", START, url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603


def test_instances_starting_at_once_on_an_empty_database_all_start_at_the_head_revision(
    tmp_path: Path,
) -> None:
    postgres_or_stop("the race is between PostgreSQL sessions")
    url = empty_database_url(tmp_path)
    engine = make_engine(url)
    with engine.connect() as blocker:
        blocker.execute(text("CREATE TABLE alembic_version (version_num varchar(32))"))  # not committed
        first = start(url)
        wait_until(lambda: waiting(engine) == 1, timeout=30)
        second = start(url)
        wait_until(lambda: waiting(engine) == 2, timeout=30)
        blocker.rollback()
    outcomes = [(process.wait(timeout=30), process.communicate()[0][-1000:]) for process in (first, second)]
    assert outcomes == [(0, ""), (0, "")]
    assert current(engine) == head()
