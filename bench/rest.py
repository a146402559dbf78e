"""Row 3: REST throughput over HTTP, the service against a bare route in the same app and the tutorial way."""

from __future__ import annotations

from pathlib import Path

from bench import report
from bench.fixtures import environment, install, settings_values
from bench.load import SERVICE, Server, WrkResult, wrk
from bench.report import Figure, Section
from bench.stats import Series, judge, ratio

CONNECTIONS = 64
#: More tokens than the verified-token cache holds (10,000), rotated in one cycle that later runs continue:
#: a token comes round again only after 30,000 others, long after FIFO eviction dropped it.
FRESH_TOKENS = 30_000
CASES = ("bare", "me", "tutorial")


def _check(server: Server, path: str, headers: dict[str, str], expect: int) -> None:
    status, body = server.request("GET", path, headers)
    if status != expect:
        raise RuntimeError(f"GET {path} answered {status}, expected {expect}: {body[:200]!r}")


def rest_throughput(workdir: Path, rounds: int, seconds: float) -> Section:
    values = settings_values(workdir)
    installation = install(values)
    token = installation.mint(1)[0]
    token_file = workdir / "tokens.txt"
    token_file.write_text("\n".join(installation.mint(FRESH_TOKENS)) + "\n")
    env = environment(values)
    auth = {"Authorization": f"Bearer {token}"}
    with (
        Server(SERVICE, env, cpus="0", log=workdir / "service.log") as service,
        Server("bench.tutorial:app", env, cpus="0", log=workdir / "tutorial.log") as tutorial,
    ):
        urls = {
            "bare": service.url + "/bench/bare",
            "me": service.url + "/users/me",
            "tutorial": tutorial.url + "/users/me",
        }
        _check(service, "/users/me", auth, 200)
        _check(service, "/users/me", {}, 401)
        _check(service, "/bench/bare", {}, 200)
        _check(tutorial, "/users/me", auth, 200)
        _check(tutorial, "/users/me", {}, 401)
        offsets = dict.fromkeys(CASES, 0)

        def run(case: str, fresh: bool, duration: float) -> WrkResult:
            if not fresh:
                return wrk(urls[case], seconds=duration, connections=CONNECTIONS, headers=auth)
            env = {"BENCH_TOKENS": str(token_file), "BENCH_OFFSET": str(offsets[case])}
            result = wrk(urls[case], seconds=duration, connections=CONNECTIONS, script="rotate.lua", env=env)
            offsets[case] = (offsets[case] + result.requests) % FRESH_TOKENS
            return result

        for case in CASES:  # warm-up: imports, caches, the SQLite page cache
            run(case, fresh=False, duration=1)
        results: dict[str, list[WrkResult]] = {}
        for _ in range(rounds):
            for fresh in (False, True):
                for case in CASES:
                    result = run(case, fresh, seconds)
                    if not result.ok:
                        raise RuntimeError(f"{case} (fresh={fresh}): {result.bad} bad responses or errors")
                    results.setdefault(f"{case} {'fresh' if fresh else 'repeated'}", []).append(result)
    return _section(results, rounds, seconds)


def _series(results: list[WrkResult], field: str) -> Series:
    return Series(tuple(getattr(result, field) for result in results))


def _section(results: dict[str, list[WrkResult]], rounds: int, seconds: float) -> Section:
    rps = {name: _series(runs, "requests_per_second") for name, runs in results.items()}
    p99 = {name: _series(runs, "p99") for name, runs in results.items()}
    section = Section("3", "REST throughput: `GET /users/me` (uvicorn, 1 worker, one core; wrk on the other)")

    def versus(name: str, a: str, b: str, target: float | None) -> Figure:
        r = ratio(rps[a], rps[b])
        met = report.verdict(judge(r, at_least=target)) if target is not None else "-"
        return Figure(
            name,
            report.rate(rps[a].median),
            f"{b}: {report.rate(rps[b].median)}",
            report.times(r),
            report.spread(r),
            f"≥ {target:g}x" if target is not None else "-",
            met,
        )

    section.figures += [
        versus("repeated token: /users/me vs bare route", "me repeated", "bare repeated", 0.85),
        versus("fresh token each request: /users/me vs bare route", "me fresh", "bare fresh", 0.55),
        versus("repeated token: /users/me vs tutorial way", "me repeated", "tutorial repeated", 6),
        versus("fresh token each request: /users/me vs tutorial way", "me fresh", "tutorial fresh", None),
    ]
    for name in ("bare repeated", "me repeated", "me fresh", "tutorial repeated"):
        section.figures.append(
            Figure(
                f"p99 latency, {name} ({CONNECTIONS} connections)",
                report.seconds(p99[name].median),
                spread=report.spread(p99[name]),
            )
        )
    section.notes += [
        f"{rounds} rounds of {seconds:g} s per case, interleaved (bare, me, tutorial with a repeated token, "
        "then the same three with a fresh token per request), after a 1 s warm-up of each. wrk: 1 thread, "
        f"{CONNECTIONS} connections, `--latency`; every run is checked for zero non-2xx responses and "
        "zero socket errors. Ratios are per round, so a slow round slows both sides.",
        "Server: `uvicorn --factory`, 1 worker, uvloop + httptools, access log off, pinned with "
        "`taskset -c 0`; wrk pinned with `taskset -c 1`. The tutorial app runs in its own uvicorn process "
        "with the same settings (idle while the service is measured, and the other way round).",
        "Bare route (the baseline): `GET /bench/bare`, registered through `create_app(settings, "
        "routers=[bench_router])`, so **last** in the service's route table (after every service route, "
        "GraphQL and the pages), with no authentication and the same body shape and response path as "
        "`/users/me` (see bench/apps.py). Since the route index (issue 15) a route's place in the table "
        "no longer changes its cost (row 11: last vs first 0.96x); before it, FastAPI 0.165's included-"
        "router matching was ~39% of this route's in-process time. Row 11 compares with a plain FastAPI "
        "app in its own process instead.",
        f"Fresh tokens: {FRESH_TOKENS:,} pre-minted tokens (distinct `jti`) rotated by a wrk Lua script "
        "(bench/lua/rotate.lua); each run continues the cycle where the previous one stopped, so every "
        "request brings a token the 10,000-entry verified-token cache no longer holds: a full pyjwt "
        "verification per request. All tokens belong to one user, so the user-state cache is warm "
        "(one SQLite read per `user_cache_seconds` = 5 s). The bare route gets the same rotating headers.",
        "Tutorial way (bench/tutorial.py): FastAPI's OAuth2-scopes tutorial with a real database - a sync "
        "dependency (run in FastAPI's threadpool) that decodes the JWT with pyjwt (same options as ours) "
        "and reads the user with a SQLModel session on every request, scopes checked against the token.",
        "What makes `/users/me` cost what it does: one call of the `Security(current_principal, "
        "scopes=[...])` dependency (made directly by `GuardedRoute`, not through FastAPI's generic "
        "resolution, which the bare route still goes through), a verified-token cache hit (repeated) or a "
        "signature and claim check (fresh: ~16-21 µs inside a request for a token of our own form), a "
        "user-state cache hit, and `ModelResponse` (pydantic-core dumps the model; no re-validation). "
        "The tutorial way pays a "
        "threadpool hop for its sync dependency and for its session generator, pyjwt on every request "
        "and a SQLModel query (~600 µs).",
        "p99 at 64 connections is the latency of a saturated server: queueing plus stalls - full garbage "
        "collections (65-85 ms each, measured with a GC callback) and, on this shared machine, other "
        "tenants' CPU use. It varies a lot between runs (see its spread); rows 6 and 7 measure latency "
        "with a light, paced probe instead.",
    ]
    return section
