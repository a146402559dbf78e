"""The order in which test files are handed to the pytest-xdist workers: the long ones first.

The suite runs with `--dist loadfile` (pyproject.toml): each file runs whole on one worker, so a file's
module-scoped server starts once, and files are handed out in the order collected here. A file that
starts server processes or runs schemathesis keeps its worker busy for 5-40 s; handed out last, it would
leave the other worker idle for that long. So the files of `LONG_FILES` go first, in that order, and the
others follow with the most tests first, so that a run ends on short files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

#: Files taking more than about 5 s of one worker, longest first (`make test` names the slowest tests:
#: a file they point to belongs here, at its place).
LONG_FILES = (
    "conformance/test_openapi.py",
    "reload/test_hot_reload.py",
    "concurrency/test_races.py",
    "transport/test_head_limit.py",
    "api_tokens/test_interoperability.py",
    "resilience/test_database_outage.py",
    "security/test_enumeration.py",
    "graphql/test_stall.py",
    "transport/test_access_log.py",
    "transport/test_forwarded_headers.py",
    "startup/test_readme_tour.py",
    "transport/test_body_limit.py",
    "auth/test_login_timing.py",
    "resilience/test_served_outage.py",
    "security/test_oversized_headers.py",
)


def long_files_first(items: list[pytest.Item]) -> None:
    """Reorder `items` in place by file (see the module's docstring); each file keeps its own order."""
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.path, []).append(item)

    def rank(path: Path) -> tuple[int, int]:
        name = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else ""
        if name in LONG_FILES:
            return 0, LONG_FILES.index(name)
        return 1, -len(files[path])

    items[:] = [item for path in sorted(files, key=rank) for item in files[path]]
