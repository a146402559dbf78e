"""A command run while the database does not answer stops with one line saying why, not a traceback.

Run as the installed binary: the line comes from the console script's own entry point.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import run_process
from tests.servers import free_port

DB_PASSWORD = "pg-pass-77c1"


def test_a_command_names_the_drivers_reason_in_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://rbac:{DB_PASSWORD}@127.0.0.1:{port}/rbac"
    result = run_process(tmp_path, "db", "current", RBAC_DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f'rbac-api: the database does not answer (connection failed: connection to server at "127.0.0.1", '
        f"port {port} failed: Connection refused); start it, or set RBAC_DATABASE_URL to one that answers"
    )
    assert "Traceback" not in result.stderr
    assert DB_PASSWORD not in result.stderr
