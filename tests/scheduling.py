"""How the test files are shared out between the pytest-xdist workers: long ones first, whole files.

The suite runs with `--dist loadfile` (pyproject.toml), refined here: each file runs whole on one worker,
so a module-scoped server starts once, and the files of a directory in `ONE_WORKER` run together on one
worker, so that a session-scoped fixture they share (a browser, a PostgreSQL cluster) starts once. Files
are handed out in the order collected: those of `LONG` first, in that order, then the others, most tests
first, so that a run ends on short files. A file that starts server processes or runs schemathesis
keeps its worker busy for 5-40 s; handed out last, it would leave the other worker idle that long.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent

#: Directories whose files share a costly session-scoped fixture: run on one worker.
ONE_WORKER = ("browser", "resilience")

#: Files (or directories of `ONE_WORKER`) taking more than about 5 s of one worker, longest first.
#: `make test` names the slowest tests: a file they point to belongs here, at its place.
LONG = (
    "conformance/test_openapi.py",
    "reload/test_hot_reload.py",
    "resilience",
    "concurrency/test_races.py",
    "concurrency/test_membership_races.py",
    "browser",
    "transport/test_head_limit.py",
    "api_tokens/test_interoperability.py",
    "security/test_enumeration.py",
    "graphql/test_stall.py",
    "transport/test_access_log.py",
    "transport/test_forwarded_headers.py",
    "startup/test_readme_tour.py",
    "transport/test_body_limit.py",
    "auth/test_login_timing.py",
    "security/test_oversized_headers.py",
)


def unit(path: Path) -> str:
    """What runs whole on one worker: the file, relative to tests/, or its directory if in `ONE_WORKER`."""
    name = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else path.as_posix()
    directory = name.rpartition("/")[0]
    return directory if directory in ONE_WORKER else name


def long_files_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place by unit (see the module's docstring); each unit keeps its own order."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(unit(item.path), []).append(item)

    def rank(name: str) -> tuple[int, int]:
        return (0, LONG.index(name)) if name in LONG else (1, -len(units[name]))

    items[:] = [item for name in sorted(units, key=rank) for item in units[name]]


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """For `--dist loadfile`: xdist's own, with the units of `unit` in place of files."""
    from xdist.scheduler import LoadFileScheduling

    class UnitScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit(TESTS.parent / nodeid.split("::", 1)[0])

    return UnitScheduling(config, log)
