"""`rbac-api` run by the tests: in the test's own process (`run`), or as the installed binary (`run_process`).

`run` calls the console script's own entry point (`rbac_api.cli.main`) with the command line in `sys.argv`,
the test installation's `RBAC_*` settings in `os.environ` and standard input, output and error captured,
so a test sees what a user would: the same exit code, the same two streams. It costs milliseconds where a
process costs one to several seconds (Python, then SQLAlchemy, pydantic and the policy, imported again).
Use it for what a command does. `run_process` is for what only a real process shows: the binary's exit
code, what its start-up imports, how it reads its environment; a handful of tests, not every command.

Whatever a command changes in the process (environment variables, the working directory, the root
logger's handlers and level, `sys.argv`) is put back after it, so one test's command cannot leak into the
next test in the same worker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click import formatting
from click.testing import CliRunner

from rbac_api.cli import main
from tests.conftest import POLICY_DIR, SECRET
from tests.databases import fresh_database_url

EXE = str(Path(sys.executable).parent / "rbac-api")


@dataclass(frozen=True, slots=True)
class Ran:
    """What one command left: its exit code and what it wrote on each stream (as `CompletedProcess`)."""

    returncode: int
    stdout: str
    stderr: str


def environment(tmp_path: Path, **env: str) -> dict[str, str]:
    """The process environment without the caller's `RBAC_*`, plus a test installation's, plus `env`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("RBAC_")},
        "RBAC_DATABASE_URL": fresh_database_url(tmp_path),
        "RBAC_SECRET_KEY": SECRET,
        "RBAC_BCRYPT_ROUNDS": "4",
        "RBAC_POLICY_DIR": str(POLICY_DIR),
        **env,
    }


def run(tmp_path: Path, *args: str, stdin: str = "", cwd: Path | None = None, **env: str) -> Ran:
    """`rbac-api *args` in this process, on the installation in `tmp_path` (`env` overrides settings)."""
    runner = CliRunner()
    with _restored(), runner.isolation(input=stdin) as (stdout, stderr, _mixed):
        formatting.FORCED_WIDTH = None  # help as wide as the real process makes it (the runner puts it back)
        _replace_environment(environment(tmp_path, **env))
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = [EXE, *args]
        code = _exit_code(main)
        sys.stdout.flush()
        sys.stderr.flush()
        return Ran(code, stdout.getvalue().decode(), stderr.getvalue().decode())


def run_process(
    tmp_path: Path, *args: str, stdin: str = "", cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`rbac-api *args` as a new process of the installed binary, as a user's shell starts it."""
    return subprocess.run(  # noqa: S603 (our own console script)
        [EXE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(tmp_path, **env),
        cwd=cwd,
        timeout=60,
        check=False,
    )


def _exit_code(entry: object) -> int:
    """Run the entry point as the console script does: its `sys.exit` is the exit code, returning is 0.

    Any other exception propagates and fails the test with its traceback, where the real process would
    print that traceback and exit 1.
    """
    assert callable(entry)
    try:
        entry()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    return 0


def _replace_environment(values: Mapping[str, str]) -> None:
    os.environ.clear()
    os.environ.update(values)


@contextmanager
def _restored() -> Iterator[None]:
    """Put back what a command may change in the process, whatever it did."""
    environ, cwd, argv = dict(os.environ), os.getcwd(), sys.argv
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        _replace_environment(environ)
        os.chdir(cwd)
        sys.argv = argv
        root.handlers[:] = handlers
        root.setLevel(level)
