"""The whole test suite, as `make test` runs it: on SQLite, then again on PostgreSQL when one is reachable.

`python -m tests.run [pytest arguments]`. The PostgreSQL pass runs when `RBAC_TEST_POSTGRES_URL` names a
server the tests may create and drop databases on (`.ci/run` starts a throwaway one with `tests.pg_cluster`);
without it the pass is skipped, saying so, unless `RBAC_REQUIRE_POSTGRES=1`, which makes that a failure.
Each pass runs in parallel over the machine's cores (pytest-xdist); every test has its own database.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg

SKIPPED = (
    "PostgreSQL pass skipped: set RBAC_TEST_POSTGRES_URL to a PostgreSQL server the tests may create "
    "databases on (python -m tests.pg_cluster start DIR starts a throwaway one)"
)


#: Workers per core beyond the first: a worker waiting for a server to start, a reload to land or a timing
#: test's pauses leaves its core idle, and one more worker than cores fills those gaps (on 2 cores, 3
#: workers ran the suite in 2:57 where 2 took 3:15, with the same CPU time).
EXTRA_WORKERS = 1


def pytest(arguments: list[str], **env: str) -> int:
    cores = os.cpu_count() or 1
    workers = ["-n", str(min(cores + EXTRA_WORKERS, 5))] if not _has(arguments, "-n") else []
    # The slowest tests are named at the end of each pass: what to look at when `make test` grows slow.
    command = [sys.executable, "-m", "pytest", *workers, "--durations=15", *arguments]
    return subprocess.run(command, env=_environment(env), check=False).returncode  # noqa: S603


def _environment(overrides: dict[str, str]) -> dict[str, str]:
    """This process's environment with `overrides`, bytecode caches allowed.

    With PYTHONDONTWRITEBYTECODE set, every worker rewrites the assertions of every test module again
    and every server a test starts compiles the service's modules again: 10-15 s of CPU a pass on
    2 cores. The caches land in `__pycache__` folders, which git ignores.
    """
    environment = {**os.environ, **overrides}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _has(arguments: list[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in arguments)


def reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(plain, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"


def main(arguments: list[str]) -> int:
    required = os.environ.get("RBAC_REQUIRE_POSTGRES") == "1"
    url = os.environ.get("RBAC_TEST_POSTGRES_URL", "")
    print("== test suite on SQLite", flush=True)
    sqlite = pytest(arguments, RBAC_TEST_POSTGRES_URL="")
    if not url:
        print(SKIPPED, file=sys.stderr)
        return sqlite or (1 if required else 0)
    problem = reachable(url)
    if problem is not None:
        print(f"PostgreSQL pass: {url} is not reachable ({problem})", file=sys.stderr)
        return sqlite or 1
    print(f"== test suite on PostgreSQL ({url})", flush=True)
    postgres = pytest(arguments, RBAC_TEST_POSTGRES_URL=url, RBAC_REQUIRE_POSTGRES="1")
    return sqlite or postgres


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
