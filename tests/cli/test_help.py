"""`rbac-api ... --help`: fast, honest about what each option takes, with an example and the exit codes."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from rbac_api.cli import cli
from tests.cli.runner import run
from tests.conftest import POLICY_DIR

#: What the help of any command, and `policy check`, must not load: each costs 0.1-0.5 s per call.
HEAVY = (
    "fastapi",
    "starlette",
    "strawberry",
    "uvicorn",
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "rich",
    "passlib",
)


def command_tree() -> Iterator[tuple[tuple[str, ...], click.Command]]:
    def walk(
        path: tuple[str, ...], command: click.Command
    ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                yield from walk((*path, name), sub)

    yield from walk((), cli)


COMMANDS = dict(command_tree())
PATHS = [pytest.param(path, id=" ".join(path) or "rbac-api") for path in COMMANDS]
LEAVES = [
    pytest.param(path, id=" ".join(path)) for path, c in COMMANDS.items() if not isinstance(c, click.Group)
]


#: The command lines whose imports are checked: every help, and `policy check`.
CHECKED = [(*path, "--help") for path in COMMANDS] + [("policy", "check", str(POLICY_DIR))]
#: One process imports what the console script imports, then forks a child per command line: each child
#: starts from what a new `rbac-api` process has at that point, runs the command and reports its modules.
FORKING = """
import os, sys
from rbac_api.cli import cli
for args in COMMAND_LINES:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            cli.main(list(args), prog_name="rbac-api")
        except SystemExit:
            pass
        os.write(write, " ".join(sorted({name.partition(".")[0] for name in sys.modules})).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        print(pipe.read(), file=sys.stderr)
    os.waitpid(pid, 0)
"""


@functools.cache
def loaded_by() -> dict[tuple[str, ...], set[str]]:
    """Top-level packages imported by `rbac-api ARGS`, for each command line of `CHECKED`: one interpreter
    start for all of them, not one each."""
    script = FORKING.replace("COMMAND_LINES", repr(CHECKED))
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    lines = result.stderr.splitlines()
    assert len(lines) == len(CHECKED), result.stderr
    return {args: set(line.split()) for args, line in zip(CHECKED, lines, strict=True)}


@pytest.mark.parametrize("path", PATHS)
def test_help_loads_no_web_framework_database_or_rich(path: tuple[str, ...]) -> None:
    assert loaded_by()[(*path, "--help")] & set(HEAVY) == set()


def test_policy_check_loads_only_the_policy_package() -> None:
    assert loaded_by()[("policy", "check", str(POLICY_DIR))] & set(HEAVY) == set()


@pytest.mark.parametrize("path", PATHS)
def test_flags_show_no_metavar_and_options_show_what_they_take(tmp_path: Path, path: tuple[str, ...]) -> None:
    shown = run(tmp_path, *path, "--help").stdout
    assert "<bool>" not in shown
    for param in COMMANDS[path].params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        names = ", ".join(param.opts)
        line = next(text.strip() for text in shown.splitlines() if text.strip().startswith(names + " "))
        after = line.removeprefix(names)
        if param.is_flag:
            assert re.match(r" {2,}\S", after), line  # the option, then its help: nothing to fill in
        else:
            assert re.match(r" (?:[A-Z][A-Z_.:]*|\[[A-Za-z0-9|]+\])( |$)", after), (
                line
            )  # --port PORT, --format [a|b]


@pytest.mark.parametrize("path", LEAVES)
def test_every_command_shows_an_example_of_itself(tmp_path: Path, path: tuple[str, ...]) -> None:
    shown = run(tmp_path, *path, "--help").stdout
    example = shown.split("Example:\n", 1)[1]
    assert example.startswith(f"    rbac-api {' '.join(path)}")


def test_the_main_help_documents_exit_codes_and_output_streams(tmp_path: Path) -> None:
    shown = run(tmp_path, "--help").stdout
    codes = shown.split("Exit codes:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in codes[:2]] == ["0", "1"]
    assert any(line.split()[:3] == ["2", "usage", "error:"] for line in codes)
    assert "standard output" in shown
    assert "standard error" in shown


def test_h_is_short_for_help(tmp_path: Path) -> None:
    assert run(tmp_path, "users", "-h").stdout == run(tmp_path, "users", "--help").stdout


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rbac_api.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout.splitlines()[0]) == (
        0,
        "Usage: rbac-api [OPTIONS] COMMAND [ARGS]...",
    )
