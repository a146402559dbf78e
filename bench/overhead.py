"""Row 11: the service's per-request overhead measured from outside, against a plain FastAPI app.

Four uvicorn processes with the same settings (one worker pinned to core 0, wrk on core 1, the same log
settings): the plain app (bench/plain_app.py), the service (`create_app(Settings(), routers=[bench
router])` plus one copy of the bench's bare route moved to the front of its route table), and the same
service twice more for the access log, once with it on and once off. Each is idle while another is
measured; every case runs once per round, in turn, so a ratio is taken within a round.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.fixtures import environment, install, settings_values
from bench.load import Server, WrkResult, wrk
from bench.report import Figure, Section
from bench.stats import Series, judge, ratio

CONNECTIONS = 64
#: As row 3: more tokens than the verified-token cache holds, in one cycle that later runs continue.
FRESH_TOKENS = 30_000
ME_QUERY = "{ me { username } }"
#: The service with a second copy of the bare route at the front of its table (bench/apps.py).
POSITIONS = "bench.apps:service_with_first_route"


class _Cases:
    """The servers of the row and one wrk run per case, with the fresh-token cycle continued per case."""

    def __init__(self, servers: dict[str, Server], token: str, token_file: Path) -> None:
        self.servers = servers
        self.auth = {"Authorization": f"Bearer {token}"}
        self.token_file = token_file
        self.offsets: dict[str, int] = {}

    def get(self, server: str, path: str) -> Callable[[float], WrkResult]:
        url = self.servers[server].url + path
        return lambda seconds: wrk(url, seconds=seconds, connections=CONNECTIONS, headers=self.auth)

    def fresh(self, server: str, path: str) -> Callable[[float], WrkResult]:
        url, key = self.servers[server].url + path, f"{server} {path}"

        def run(seconds: float) -> WrkResult:
            env = {"BENCH_TOKENS": str(self.token_file), "BENCH_OFFSET": str(self.offsets.get(key, 0))}
            result = wrk(url, seconds=seconds, connections=CONNECTIONS, script="rotate.lua", env=env)
            self.offsets[key] = (self.offsets.get(key, 0) + result.requests) % FRESH_TOKENS
            return result

        return run

    def graphql(self, server: str) -> Callable[[float], WrkResult]:
        url, env = self.servers[server].url + "/graphql", {"BENCH_BODY": json.dumps({"query": ME_QUERY})}
        return lambda seconds: wrk(
            url, seconds=seconds, connections=CONNECTIONS, script="post.lua", headers=self.auth, env=env
        )


def _runs(cases: _Cases) -> dict[str, Callable[[float], WrkResult]]:
    return {
        "plain me": cases.get("plain", "/users/me"),
        "service me": cases.get("service", "/users/me"),
        "plain me fresh": cases.fresh("plain", "/users/me"),
        "service me fresh": cases.fresh("service", "/users/me"),
        "service graphql": cases.graphql("service"),
        "plain health": cases.get("plain", "/health"),
        "service health": cases.get("service", "/health"),
        "service first route": cases.get("service", "/bench/first"),
        "service last route": cases.get("service", "/bench/bare"),
        "plain app route": cases.get("plain", "/bench/bare"),
        "logged me": cases.get("logged", "/users/me"),
        "unlogged me": cases.get("unlogged", "/users/me"),
    }


def _check(server: Server, method: str, path: str, headers: dict[str, str], body: str | None = None) -> bytes:
    status, answer = server.request(method, path, headers, body)
    if status != 200:
        raise RuntimeError(f"{method} {path} answered {status}, expected 200: {answer[:300]!r}")
    return answer


def _start(workdir: Path, values: dict[str, object], auth: dict[str, str]) -> tuple[dict[str, Server], bytes]:
    """The four servers; the plain app answers `/users/me` with the service's own bytes."""
    env = {**environment(values), "RBAC_ACCESS_LOG": "false"}
    servers = {"service": Server(POSITIONS, env, cpus="0", log=workdir / "service.log")}
    me = _check(servers["service"], "GET", "/users/me", auth)
    plain_env = {**env, "BENCH_PLAIN_ME": me.decode()}
    servers["plain"] = Server("bench.plain_app:app", plain_env, cpus="0", log=workdir / "plain.log")
    servers["unlogged"] = Server("bench.apps:service", env, cpus="0", log=workdir / "unlogged.log")
    logged = {**env, "RBAC_ACCESS_LOG": "true"}
    servers["logged"] = Server(
        "bench.apps:service", logged, cpus="0", log=workdir / "logged.log", access_log=True
    )
    return servers, me


def section(workdir: Path, rounds: int, seconds: float) -> Section:
    values = settings_values(workdir)
    installation = install(values)
    token = installation.mint(1)[0]
    token_file = workdir / "tokens.txt"
    token_file.write_text("\n".join(installation.mint(FRESH_TOKENS)) + "\n")
    auth = {"Authorization": f"Bearer {token}"}
    servers, me = _start(workdir, values, auth)
    try:
        if _check(servers["plain"], "GET", "/users/me", auth) != me:
            raise RuntimeError("the plain app's /users/me differs from the service's")
        for name, path in (("service", "/bench/first"), ("service", "/bench/bare"), ("plain", "/bench/bare")):
            _check(servers[name], "GET", path, {})
        graphql = json.loads(
            _check(
                servers["service"],
                "POST",
                "/graphql",
                {**auth, "Content-Type": "application/json"},
                json.dumps({"query": ME_QUERY}),
            )
        )
        if graphql.get("errors") or not graphql.get("data"):
            raise RuntimeError(f"POST /graphql answered {graphql}")
        runs = _runs(_Cases(servers, token, token_file))
        for run in runs.values():  # warm-up: imports, caches, the SQLite page cache
            run(1)
        results: dict[str, list[WrkResult]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, run in runs.items():
                result = run(seconds)
                if not result.ok:
                    raise RuntimeError(f"{name}: {result.bad} bad responses or errors")
                results[name].append(result)
        logged_lines = (workdir / "logged.log").read_text().count('"GET /users/me HTTP/1.1" 200')
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
    return _section(results, rounds, seconds, logged_lines)


def _figure(rps: dict[str, Series], name: str, a: str, b: str, target: float | None) -> Figure:
    r = ratio(rps[a], rps[b])
    return Figure(
        name,
        report.rate(rps[a].median),
        f"{b}: {report.rate(rps[b].median)}",
        report.times(r),
        report.spread(r),
        f"≥ {target:g}x" if target is not None else "-",
        report.verdict(judge(r, at_least=target)) if target is not None else "-",
    )


def _log_share(rps: dict[str, Series]) -> Figure:
    """The access log's share of a request's time: time per request logged / unlogged - 1, per round."""
    share = Series(
        tuple(b / a - 1 for a, b in zip(rps["logged me"].samples, rps["unlogged me"].samples, strict=True))
    )
    met = report.verdict(judge(Series(tuple(1 + s for s in share.samples)), at_most=1.05))
    return Figure(
        "access log on vs off: extra time per request (`GET /users/me`)",
        report.rate(rps["logged me"].median),
        f"off: {report.rate(rps['unlogged me'].median)}",
        f"{100 * share.median:+.1f}% ({100 * share.low:+.1f}% to {100 * share.high:+.1f}%)",
        f"{100 * (share.high - share.low):.1f} points",
        "≤ +5%",
        met,
    )


def _section(results: dict[str, list[WrkResult]], rounds: int, seconds: float, logged: int) -> Section:
    rps = {name: Series(tuple(r.requests_per_second for r in runs)) for name, runs in results.items()}
    section = Section("11", "Per-request overhead from outside: the service vs a plain FastAPI app")
    section.figures += [
        _figure(rps, "GET /users/me, repeated token, vs plain app", "service me", "plain me", 0.85),
        _figure(
            rps,
            "GET /users/me, fresh token each request, vs plain app",
            "service me fresh",
            "plain me fresh",
            0.55,
        ),
        _figure(
            rps,
            "POST /graphql { me { username } } vs plain app's GET /users/me",
            "service graphql",
            "plain me",
            0.45,
        ),
        _figure(rps, "GET /health vs plain app's /health", "service health", "plain health", 0.95),
        _figure(
            rps,
            "route position: last route of the service's table vs first",
            "service last route",
            "service first route",
            0.95,
        ),
        _figure(
            rps,
            "app route via create_app(routers=[...]) vs the same route in the plain app",
            "service last route",
            "plain app route",
            0.95,
        ),
        _log_share(rps),
    ]
    section.notes += _notes(rounds, seconds, logged)
    return section


def _notes(rounds: int, seconds: float, logged: int) -> list[str]:
    return [
        f"{rounds} rounds of {seconds:g} s per case; each round runs every case once, in the table's order "
        "(plain, service, ... ), after a 1 s warm-up of each. wrk: 1 thread, "
        f"{CONNECTIONS} connections, pinned to core 1; every run is checked for zero non-2xx responses and "
        "zero socket errors. Ratios are throughput ratios per round.",
        "Servers: `uvicorn --factory`, 1 worker, uvloop + httptools, `--log-level warning`, "
        "pinned to core 0, access log off (uvicorn's `--no-access-log` and `RBAC_ACCESS_LOG=false`) "
        "except for the logged service. The plain app is FastAPI as its tutorial writes it "
        "(bench/plain_app.py): `async def` routes with `response_model` and FastAPI's default JSON, "
        "FastAPI's defaults otherwise (its native OpenTelemetry probe included), and no authentication; "
        "its `/users/me` answers the service's exact bytes (checked) and its `/health` a body of the "
        "same shape.",
        "Fresh tokens as in row 3 (30,000 pre-minted, rotated by bench/lua/rotate.lua); the plain app gets "
        "the same rotating headers. GraphQL: a JSON POST of `{ me { username } }` with the repeated token, "
        "compared with the plain app's `GET /users/me` of the same round.",
        "Route position: two copies of one endpoint (bench/apps.py `bare`, no authentication, "
        "`ModelResponse`), each in a router of its own included through `include_router`: `/bench/first` "
        "moved to the front of the service's route table (before `POST /token`), `/bench/bare` included "
        "through `create_app(settings, routers=[...])` and so after every route of the service, GraphQL and "
        "the pages included. The plain app registers the same endpoint at the same path.",
        "Access log: two more service processes, the same but for the access log (on: uvicorn without "
        "`--no-access-log` and `RBAC_ACCESS_LOG=true`, written to a file; off: as the others). The figure "
        "is time per request logged over unlogged, minus one, per round; the logged server wrote "
        f"{logged:,} `GET /users/me` lines.",
    ]
