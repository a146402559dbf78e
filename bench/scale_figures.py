"""The scale benchmark's table and notes: each larger size against the smallest, the deep page against the
first, and the plans of the queries at the largest size."""

from __future__ import annotations

from dataclasses import dataclass

from bench import report
from bench.load import WrkResult
from bench.plans import Plan
from bench.population import ENDED_SESSIONS, Population
from bench.report import Figure, Section
from bench.scale_http import CASES, CONNECTIONS, FRESH_TOKENS, NAMES, PAGE
from bench.stats import Series

#: "About the same cost": at most this much dearer at 10 or 100 times the users (throughput at least its
#: inverse), where the fixed cost of the ORM, the pool and the network is included (store, HTTP).
GROWTH = 1.25
#: The database's own time: an index look-up descends one more B-tree level at 1,000,000 rows than at
#: 10,000 (log n); a scan would cost 100 times as much.
DATABASE_GROWTH = 1.5
STORE_CASES = ("first page", "deep page", "lookup by name", "user state", "ended sessions", "admin change")
SAMPLE_SECONDS = 0.6
#: EXPLAIN ANALYZE runs per database sample (the best is kept).
DATABASE_REPEATS = 10
#: Each checked call: the plans of the queries it sent, and the indexes they must use.
Checked = dict[str, tuple[list[Plan], tuple[str, ...]]]


@dataclass(frozen=True)
class Measured:
    """Keys of the series are `case@users`."""

    store: dict[str, Series]
    database: dict[str, Series]
    http: dict[str, list[WrkResult]]
    plans: Checked
    table_sizes: dict[str, str]


def section(populations: list[Population], measured: Measured, rounds: int, seconds: float) -> Section:
    users = [p.users for p in populations]
    others = ", ".join(f"{n:,}" for n in users[:-1])
    result = Section(
        "10", f"Scale: {users[-1]:,} users on PostgreSQL vs {others} (cursor pages, look-ups, token checks)"
    )
    result.figures += [
        Figure(f"load {p.users:,} users (COPY + VACUUM ANALYZE)", report.seconds(p.load_seconds))
        for p in populations
    ]
    result.figures += _time_figures("database", measured.database, users)
    result.figures += _time_figures("store", measured.store, users)
    result.figures += _http_figures(measured.http, users)
    result.figures += _plan_figures(measured.plans, users[-1])
    result.notes += _notes(populations, rounds, seconds, measured.table_sizes)
    result.notes += _plan_notes(measured.plans, users[-1])
    return result


def _time_figures(kind: str, store: dict[str, Series], users: list[int]) -> list[Figure]:
    """`kind` (database or store) time of each case at each size against the smallest, and the deep page
    against the first (by cursor, and by OFFSET for scale) at the largest."""
    n, N = users[0], users[-1]
    growth = DATABASE_GROWTH if kind == "database" else GROWTH
    figures = [
        report.compare(
            f"{kind}: {case}, {size:,} vs {n:,} users",
            store[f"{case}@{size}"],
            store[f"{case}@{n}"],
            f"{n:,}:",
            at_most=None if case == "ended sessions" else growth,
        )
        for case in STORE_CASES
        for size in users[1:]
    ]
    figures.append(
        report.compare(
            f"{kind}: deep page vs first page, {N:,} users",
            store[f"deep page@{N}"],
            store[f"first page@{N}"],
            "first page:",
            at_most=growth,
        )
    )
    figures.append(
        report.compare(
            f"{kind}: deep page by OFFSET (not used; for scale) vs by cursor, {N:,} users",
            store[f"deep page by OFFSET@{N}"],
            store[f"deep page@{N}"],
            "cursor:",
        )
    )
    return figures


def _http_figures(http: dict[str, list[WrkResult]], users: list[int]) -> list[Figure]:
    rps = {key: Series(tuple(r.requests_per_second for r in runs)) for key, runs in http.items()}
    n, N = users[0], users[-1]
    figures = [
        report.compare(
            f"HTTP: {case}, {size:,} vs {n:,} users",
            rps[f"{case}@{size}"],
            rps[f"{case}@{n}"],
            f"{n:,}:",
            at_least=1 / GROWTH,
            unit="rate",
        )
        for case in CASES
        for size in users[1:]
    ]
    figures.append(
        report.compare(
            f"HTTP: deep page vs first page, {N:,} users",
            rps[f"deep page@{N}"],
            rps[f"first page@{N}"],
            "first page:",
            at_least=1 / GROWTH,
            unit="rate",
        )
    )
    return figures


def _plan_figures(plans: Checked, users: int) -> list[Figure]:
    figures = []
    for name, (found, indexes) in plans.items():
        scans = list(dict.fromkeys(scan for plan in found for scan in plan.scans))
        sequential = any(scan.startswith("Seq Scan") for scan in scans)
        met = not sequential and all(any(plan.uses(index) for plan in found) for index in indexes)
        figures.append(
            Figure(
                f"plan at {users:,}: {name}",
                "; ".join(scans),
                target="no Seq Scan; " + ", ".join(indexes),
                met="yes" if met else "**no**",
            )
        )
    return figures


def _notes(populations: list[Population], rounds: int, seconds: float, sizes: dict[str, str]) -> list[str]:
    users = [p.users for p in populations]
    listed = ", ".join(f"{n:,}" for n in users)
    loads = ", ".join(f"{p.users:,} users in {p.load_seconds:.1f} s" for p in populations)
    return [
        "PostgreSQL 15: a throwaway cluster from `tests.pg_cluster` (initdb defaults: shared_buffers 128 MB; "
        f"fsync off, as for the test suite), one database per size ({listed} users) in it; the postmaster "
        "is pinned with `taskset -c 1` (every backend it forks inherits that), so the database shares core "
        "1 with wrk and the service has core 0 to itself. The machine has 2 cores and was shared with other "
        "work during the run (see the load averages above): ratios of interleaved runs are what count.",
        f"Loading ({loads}): the schema from the service's migrations, then psycopg COPY in chunks of "
        "50,000 rows: users (`user0000001`..., e-mail, full name, and one bcrypt hash of cost 4 computed "
        "once and copied to every row: no per-user bcrypt call), 1-2 roles each (`user`, and every other "
        "user one of reader, editor, auditor: 1.5 rows per user), and one session per user (a login in "
        f"the last two weeks), {ENDED_SESSIONS:,} of them ended a minute ago at every size (the "
        "ended-session list). The COPYs run with `session_replication_role = replica` (no per-row "
        "foreign-key trigger: the rows are consistent by construction), then `VACUUM ANALYZE`. The "
        "administrator and the benchmark user are created last through the store, as accounts made after "
        "an import would be. "
        f"Sizes at {users[-1]:,}: " + ", ".join(f"{table} {size}" for table, size in sizes.items()) + ".",
        "Store figures: the service's own `UserStore` / `SessionStore` calls in the runner process "
        f"(pinned to core 0 meanwhile), each sample the best of 3 `timeit` repeats of about "
        f"{SAMPLE_SECONDS / 3:.1f} s, {rounds} rounds interleaved (every case at each size in turn). A "
        "call includes the pool check-out (with `pool_pre_ping`: one extra round trip), the ORM and the "
        f"queries: a page of {PAGE} is 2 (the users after the cursor's id, then their roles), a look-up "
        "by name 2, the user state 1 (a join), the ended-session list 1. Look-ups rotate over 10,000 "
        "users drawn at random from the whole id range. The deep page starts after the id 90% of the "
        "way through the list. The admin change writes the administrator's full name (to the same "
        "value): the store then runs the last-administrator check in the change's transaction.",
        "Database figures: the SELECTs each store call sends, captured once per size (SQLAlchemy's "
        "`before_cursor_execute`, with their parameters) and replayed on that size's database under "
        f"`EXPLAIN (ANALYZE, COSTS OFF)`; a sample is the sum of their `Execution Time`, the best of "
        f"{DATABASE_REPEATS} runs, {rounds} rounds interleaved. They leave out planning, the network and the "
        "Python side (which do not depend on the user count), so they show the growth with far less of the "
        "noise of a shared machine than the store and HTTP figures. Their target is looser "
        f"(≤ {DATABASE_GROWTH:g}x) because an index look-up descends one more B-tree level at a million "
        "rows than at 10,000; a scan would cost 100 times as much.",
        f"The ended-session list has no growth target: its size is the number of sessions ended within a "
        f"token lifetime ({ENDED_SESSIONS:,} here at every size), not the number of users, and it is read "
        "once per `RBAC_USER_CACHE_SECONDS` per process, not per request. Its rows are spread over the "
        "sessions table, so it costs one heap page per ended session once the table has more pages than "
        "that: at 10,000 users the same rows share fewer pages, hence the step from 10,000 to 100,000 and "
        "none after.",
        f"HTTP figures: `uvicorn --factory bench.apps:service`, 1 worker, pinned with `taskset -c 0`; wrk "
        f"(1 thread, {CONNECTIONS} connections) pinned with `taskset -c 1`; {rounds} rounds of {seconds:g} s "
        "per case and size, interleaved, after a 1 s warm-up of each; every run checked for zero non-2xx "
        "responses and socket errors. Pages and look-ups: the benchmark user's repeated token (roles user, "
        "auditor, reader) on a server with the default `RBAC_USER_CACHE_SECONDS=5`; look-ups rotate over "
        f"{NAMES:,} random names (bench/lua/paths.lua). `me, fresh token` is token verification with the "
        f"revocation check: a server with `RBAC_USER_CACHE_SECONDS=0` and {FRESH_TOKENS:,} tokens of "
        "random users, each under its own session (bench/lua/rotate.lua), so every request verifies a "
        "signature, reads its user's state from the database and re-reads the ended-session list "
        "(concurrent requests share one read).",
    ]


def _plan_notes(plans: Checked, users: int) -> list[str]:
    notes = [
        "Plans: every query a store call sends is captured as sent (SQLAlchemy's `before_cursor_execute`, "
        f"with its parameters) and run again under `EXPLAIN (ANALYZE, COSTS OFF)` at {users:,} users "
        "(bench/plans.py). Key lines:"
    ]
    for name, (found, _) in plans.items():
        lines = "; ".join(f"`{line}`" for plan in found for line in plan.key_lines())
        notes.append(f"Plan, {name}: {lines}")
    return notes


def summary(result: Section, users: list[int]) -> list[str]:
    """The headline ratios of the table, one line per question, database / store / HTTP side by side."""
    n, N = users[0], users[-1]
    named = {figure.name: figure.ratio.split(" ")[0] for figure in result.figures}

    def cells(*names: str) -> str:
        return " | ".join(named.get(name, "-") for name in names)

    def growth(case: str, http_case: str | None = None) -> str:
        http = f"HTTP: {http_case or case}, {N:,} vs {n:,} users"
        return cells(f"database: {case}, {N:,} vs {n:,} users", f"store: {case}, {N:,} vs {n:,} users", http)

    deep = f"deep page vs first page, {N:,} users"
    offset = f"deep page by OFFSET (not used; for scale) vs by cursor, {N:,} users"
    deep_cells = cells(f"database: {deep}", f"store: {deep}", f"HTTP: {deep}")
    offset_cells = cells(f"database: {offset}", f"store: {offset}")
    return [
        "| Ratio (median of rounds) | database time | store time | HTTP throughput |",
        "|---|---|---|---|",
        f"| deep page / first page, at {N:,} users | {deep_cells} |",
        f"| deep page by OFFSET / by cursor, at {N:,} users | {offset_cells} | - |",
        *(
            f"| {label}, {N:,} / {n:,} users | {growth(case, http_case)} |"
            for label, case, http_case in (
                ("first page", "first page", None),
                ("deep page", "deep page", None),
                ("look-up by name", "lookup by name", None),
                ("token check (user state; HTTP: `me, fresh token`)", "user state", "me, fresh token"),
                ("ended-session list", "ended sessions", None),
                ("change to an administrator", "admin change", None),
            )
        ),
    ]
