"""Row 8: the `rbac-api` command timed as whole processes, as an admin or a script meets it (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from bench import report
from bench.policies import SHIPPED
from bench.report import Figure, Section
from bench.stats import Series, interleave, judge
from rbac_api.cli import cli

EXE = str(Path(sys.executable).parent / "rbac-api")
HELP_TARGET = 0.3
CHECK_TARGET = 1.0
MIN_ROUNDS = 7


def command_paths() -> Iterator[tuple[str, ...]]:
    """Every command and group, `()` being `rbac-api` itself."""

    def walk(path: tuple[str, ...], command: click.Command) -> Iterator[tuple[str, ...]]:
        yield path
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None:
                    yield from walk((*path, name), sub)

    yield from walk((), cli)


def _process(*argv: str) -> Callable[[], float]:
    """A sample: wall seconds of one whole process, start to exit."""

    def once() -> float:
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - start

    return once


def _figure(name: str, series: Series, python: Series, target: float) -> Figure:
    return Figure(
        name,
        report.median_of(series),
        f"`python -c pass` {report.median_of(python)}",
        spread=report.spread(series),
        target=f"≤ {target:g} s",
        met=report.verdict(judge(series, at_most=target)),
    )


def section(workdir: Path, rounds: int) -> Section:
    del workdir  # nothing to set up: the commands run as installed
    helps = {
        " ".join(("rbac-api", *path, "--help")): _process(EXE, *path, "--help") for path in command_paths()
    }
    check = f"rbac-api policy check {SHIPPED.name}"
    cases = {
        "python": _process(sys.executable, "-c", "pass"),
        **helps,
        check: _process(EXE, "policy", "check", str(SHIPPED)),
    }
    s = interleave(cases, max(rounds, MIN_ROUNDS))
    result = Section(
        "8", "CLI start-up: whole `rbac-api` processes (`--help` of every command, `policy check`)"
    )
    result.figures += [_figure(f"`{name}`", s[name], s["python"], HELP_TARGET) for name in helps]
    result.figures.append(_figure(f"`{check}` (shipped policy)", s[check], s["python"], CHECK_TARGET))
    slowest_help = max(s[name].high for name in helps)
    result.notes += [
        f"Slowest single run of all: `--help` {report.seconds(slowest_help)}, `policy check` "
        f"{report.seconds(s[check].high)}; so the verdicts hold even where a ⚠ flags the spread of these "
        "short figures on a shared machine.",
        f"Each figure is the median over {max(rounds, MIN_ROUNDS)} runs of the whole process (fork, "
        "interpreter start, imports, work, exit), the commands interleaved round by round; the baseline is "
        "the bare interpreter start of the same venv.",
        "Why they cost what they do: the command is plain click; each command group is a module imported "
        "only when the command line names it (`rbac_api/cli/lazy.py`), and each command imports what it "
        "needs inside its body. `--help` loads click and nothing of FastAPI, Strawberry, SQLAlchemy, "
        "pydantic or rich (a test checks it); `policy check` adds PyYAML and the policy package.",
        "Before (typer 0.29, everything imported at the top): 0.9-1.0 s for `rbac-api --help` and for "
        "`policy check`, measured here at a load average of 1 (issue 11 saw 1.5-4 s); typer alone built "
        "pydantic TypeAdapters for every parameter (0.15 s) and rendered help with rich.",
        "Not in the targets: `policy check --app` and the commands that open the database load the web app "
        "or SQLAlchemy by design (about 2 s and 0.6 s here).",
    ]
    return result
