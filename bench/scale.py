"""The scale benchmark (`python -m bench scale`): does a request cost the same at 1M users as at 10,000?

Three databases in one throwaway PostgreSQL cluster (tests.pg_cluster), loaded by COPY (bench/population.py):
10,000, 100,000 and 1,000,000 users. The same calls, in-process through the service's store (timeit) and
over HTTP (wrk against uvicorn), interleaved between the sizes; a figure is the ratio of a larger size to the
smallest. The plans of the queries behind them, captured as the store sends them, are checked for index
scans.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, col, select

from bench import scale_figures
from bench.fixtures import settings_values
from bench.plans import captured, database_seconds, plans_of
from bench.population import Population, change_admin, create_database, populate, username
from bench.report import Section
from bench.scale_figures import DATABASE_REPEATS, SAMPLE_SECONDS, STORE_CASES, Checked
from bench.scale_http import NAMES, PAGE, http_runs
from bench.stats import Series, interleave, statement
from rbac_api.store.tables import UserRow
from rbac_api.store.users import encode_cursor
from tests import pg_cluster

#: BENCH_LARGE_USERS makes a quicker trial run possible; the figures in docs/benchmarks.md use the default.
LARGE = int(os.environ.get("BENCH_LARGE_USERS", "1000000"))
SIZES = tuple(sorted({10_000, 100_000, LARGE}))
Calls = dict[str, Callable[[], object]]


def user_scale(workdir: Path, rounds: int, seconds: float) -> Section:
    """Load every size, measure, and stop the cluster whatever happens."""
    cluster = Path(tempfile.mkdtemp(prefix="rbac-bench-pg-"))
    populations: list[Population] = []
    try:
        server = pg_cluster.start(cluster)
        _pin_postgres(cluster, cpus="1")
        for size in SIZES:
            populations.append(_load(server, workdir, size))
        with _pinned({0}):
            store = _store_series(populations, rounds)
            database = _database_series(populations, rounds)
        largest = populations[-1]
        plans: Checked = {
            name: (plans_of(largest.rbac.db, call), indexes)
            for name, (call, indexes) in _queries(largest).items()
        }
        http = http_runs(workdir, populations, rounds, seconds)
        sizes = _table_sizes(largest)
    finally:
        for population in populations:
            population.rbac.db.dispose()
        pg_cluster.stop(cluster)
        shutil.rmtree(cluster, ignore_errors=True)
    measured = scale_figures.Measured(store, database, http, plans, sizes)
    return scale_figures.section(populations, measured, rounds, seconds)


def _load(server: str, workdir: Path, size: int) -> Population:
    url = create_database(server, f"rbac_scale_{size}")
    (workdir / str(size)).mkdir(parents=True)
    print(f"scale: loading {size:,} users ...", flush=True)
    population = populate(settings_values(workdir / str(size), database_url=url, bcrypt_rounds=4), size)
    print(f"scale: {size:,} users loaded in {population.load_seconds:.1f} s", flush=True)
    return population


def store_calls(population: Population) -> Calls:
    """What each measured request asks of the store, as the service asks it."""
    users, sessions, codec = population.rbac.users, population.rbac.sessions, population.rbac.codec
    names = itertools.cycle([username(i) for i in population.sample(NAMES, seed=1)])
    ids = itertools.cycle(population.sample(NAMES, seed=2))
    deep = encode_cursor(population.deep_id)
    horizon = codec.lifetime + codec.leeway
    return {
        "first page": lambda: users.page(limit=PAGE, cursor=None),
        "deep page": lambda: users.page(limit=PAGE, cursor=deep),
        "lookup by name": lambda: users.get(next(names)),
        "user state": lambda: users.state(next(ids)),
        "ended sessions": lambda: sessions.revoked_since(time.time() - horizon),
        "admin change": change_admin(population),
        "deep page by OFFSET": _offset_page(population),
    }


def _offset_page(population: Population) -> Callable[[], object]:
    """The deep page as OFFSET would fetch it (the service does not): for scale only."""
    query = select(UserRow).order_by(col(UserRow.id)).offset(population.deep_id).limit(PAGE + 1)
    engine = population.rbac.db

    def run() -> object:
        with Session(engine) as session:
            return session.exec(query).all()

    return run


def _queries(population: Population) -> dict[str, tuple[Callable[[], object], tuple[str, ...]]]:
    """Each store call whose plans are checked, with the indexes its queries must use."""
    calls = store_calls(population)
    sessions, codec = population.rbac.sessions, population.rbac.codec
    horizon = codec.lifetime + codec.leeway
    return {
        f"page after id {population.deep_id:,} (`GET /users?cursor=`)": (
            calls["deep page"],
            ("users_pkey", "user_roles_pkey"),
        ),
        "look-up by name (`GET /users/{username}`)": (calls["lookup by name"], ("ix_users_username",)),
        "user state (token check)": (calls["user state"], ("users_pkey", "user_roles_pkey")),
        "ended sessions (revocation list)": (calls["ended sessions"], ("ix_sessions_revoked_at",)),
        "change to an administrator (last-administrator check)": (
            calls["admin change"],
            ("ix_user_roles_role",),
        ),
        "session clean-up (housekeeping, every 60 s per process)": (
            lambda: sessions.prune(before=time.time() - horizon),
            ("ix_sessions_expires_at", "ix_sessions_revoked_at"),
        ),
    }


def _store_series(populations: list[Population], rounds: int) -> dict[str, Series]:
    calls = {p.users: store_calls(p) for p in populations}
    cases = {
        f"{case}@{p.users}": statement("call()", {"call": calls[p.users][case]}, SAMPLE_SECONDS)
        for case in (*STORE_CASES, "deep page by OFFSET")
        for p in populations
    }
    return interleave(cases, rounds)


def _database_series(populations: list[Population], rounds: int) -> dict[str, Series]:
    """The database's own time for each call's queries, captured once per size and replayed."""
    cases = {}
    for case in (*STORE_CASES, "deep page by OFFSET"):
        for p in populations:
            queries = captured(p.rbac.db, store_calls(p)[case])
            cases[f"{case}@{p.users}"] = database_seconds(p.rbac.db, queries, DATABASE_REPEATS)
    return interleave(cases, rounds)


def _table_sizes(population: Population) -> dict[str, str]:
    with population.rbac.db.connect() as connection:
        return {
            table: connection.exec_driver_sql(
                f"SELECT pg_size_pretty(pg_total_relation_size('{table}'))"
            ).scalar_one()
            for table in ("users", "user_roles", "sessions")
        }


def _pin_postgres(cluster: Path, *, cpus: str) -> None:
    """Pin the postmaster and the processes it has started; backends forked later inherit the mask."""
    postmaster = (cluster / "data" / "postmaster.pid").read_text().split()[0]
    children = subprocess.run(
        ["ps", "--ppid", postmaster, "-o", "pid="], capture_output=True, text=True
    ).stdout
    for pid in (postmaster, *children.split()):
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, pid], check=True, capture_output=True)


@contextmanager
def _pinned(cpus: set[int]) -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
