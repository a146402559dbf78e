"""Row 10 over HTTP: the service on each database, pinned like the other rows; the same requests at each
size."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from bench.fixtures import Installation, environment
from bench.load import SERVICE, Server, WrkResult, wrk
from bench.population import Population, username
from rbac_api.store.users import encode_cursor

CONNECTIONS = 64
PAGE = 50
#: More tokens than the verified-token cache holds (10,000), so every request verifies a signature.
FRESH_TOKENS = 30_000
NAMES = 10_000
CASES = ("first page", "deep page", "lookup by name", "me, fresh token")

Run = Callable[[float], WrkResult]


def http_runs(
    workdir: Path, populations: list[Population], rounds: int, seconds: float
) -> dict[str, list[WrkResult]]:
    """`rounds` interleaved rounds: each case at each size in turn. Keys are `case@users`."""
    with ExitStack() as stack:
        runners: dict[str, Run] = {}
        for population in populations:
            for case, run in _runners(stack, workdir, population).items():
                runners[f"{case}@{population.users}"] = run
        order = [f"{case}@{p.users}" for case in CASES for p in populations]
        for key in order:  # warm-up: imports, caches, the database's buffers
            runners[key](1)
        results: dict[str, list[WrkResult]] = {key: [] for key in order}
        for _ in range(rounds):
            for key in order:
                results[key].append(runners[key](seconds))
    return results


def _runners(stack: ExitStack, workdir: Path, population: Population) -> dict[str, Run]:
    """Two servers per database: the default user-state cache for an administrator's reads, and none
    (`RBAC_USER_CACHE_SECONDS=0`) for the token check, so each request reads its user and the ended
    sessions."""
    size = population.users
    env = environment(population.values)
    cached = stack.enter_context(Server(SERVICE, env, cpus="0", log=workdir / f"{size}-cached.log"))
    uncached_env = {**env, "RBAC_USER_CACHE_SECONDS": "0"}
    uncached = stack.enter_context(
        Server(SERVICE, uncached_env, cpus="0", log=workdir / f"{size}-uncached.log")
    )
    auth = {"Authorization": f"Bearer {Installation(population.rbac, population.bench_id).mint(1)[0]}"}
    deep = f"/users?limit={PAGE}&cursor={encode_cursor(population.deep_id)}"
    names = [f"/users/{username(i)}" for i in population.sample(NAMES, seed=1)]
    tokens = population.mint(population.sample(FRESH_TOKENS, seed=2))
    paths_file, tokens_file = workdir / f"{size}-paths.txt", workdir / f"{size}-tokens.txt"
    paths_file.write_text("\n".join(names) + "\n")
    tokens_file.write_text("\n".join(tokens[1:]) + "\n")
    _check(cached, f"/users?limit={PAGE}", auth)
    _check(cached, deep, auth)
    _check(cached, names[0], auth)
    _check(uncached, "/users/me", {"Authorization": f"Bearer {tokens[0]}"})
    return {
        "first page": _runner(cached.url + f"/users?limit={PAGE}", auth),
        "deep page": _runner(cached.url + deep, auth),
        "lookup by name": _runner(
            cached.url, auth, "paths.lua", {"BENCH_PATHS": str(paths_file)}, len(names)
        ),
        "me, fresh token": _runner(
            uncached.url + "/users/me", {}, "rotate.lua", {"BENCH_TOKENS": str(tokens_file)}, len(tokens) - 1
        ),
    }


def _runner(
    url: str,
    headers: dict[str, str],
    script: str | None = None,
    env: dict[str, str] | None = None,
    cycle: int = 0,
) -> Run:
    """A wrk run of `url`; a rotating script continues its cycle where the previous run stopped."""
    offset = 0

    def run(duration: float) -> WrkResult:
        nonlocal offset
        variables = {**(env or {}), "BENCH_OFFSET": str(offset)}
        result = wrk(
            url, seconds=duration, connections=CONNECTIONS, headers=headers, script=script, env=variables
        )
        if not result.ok:
            raise RuntimeError(f"{url} ({script or 'fixed'}): {result.bad} bad responses or errors")
        if cycle:
            offset = (offset + result.requests) % cycle
        return result

    return run


def _check(server: Server, path: str, headers: dict[str, str]) -> None:
    status, body = server.request("GET", path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}, expected 200: {body[:200]!r}")
