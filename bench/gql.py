"""Rows 4 and 5: GraphQL over HTTP against the bare REST route, and field guards on 1,000 objects."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from strawberry.types.graphql import OperationType

from bench import gql_schemas, report
from bench.fixtures import environment, install, settings_values
from bench.load import SERVICE, Server, WrkResult, wrk
from bench.report import Figure, Section
from bench.stats import Series
from rbac_api.app import graphql_router
from rbac_api.graphql import GraphQLContext
from rbac_api.settings import Settings

ME_QUERY = "{ me { username } }"
CONNECTIONS = 64
LIST_CONNECTIONS = 8
VARIANTS = ("unguarded", "guarded", "stock")


def _body(query: str) -> str:
    return json.dumps({"query": query})


def _check_graphql(server: Server, headers: dict[str, str], query: str) -> None:
    status, body = server.request(
        "POST", "/graphql", {**headers, "Content-Type": "application/json"}, _body(query)
    )
    answer = json.loads(body)
    if status != 200 or answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"POST /graphql {query!r} answered {status}: {body[:300]!r}")


def graphql_throughput(workdir: Path, rounds: int, seconds: float) -> Section:
    values = settings_values(workdir)
    installation = install(values)
    auth = {"Authorization": f"Bearer {installation.mint(1)[0]}"}
    runs: dict[str, list[WrkResult]] = {"bare": [], "graphql": []}
    with Server(SERVICE, environment(values), cpus="0", log=workdir / "service.log") as server:
        _check_graphql(server, auth, ME_QUERY)
        urls = {"bare": server.url + "/bench/bare", "graphql": server.url + "/graphql"}

        def run(case: str, duration: float) -> WrkResult:
            if case == "bare":
                result = wrk(urls[case], seconds=duration, connections=CONNECTIONS, headers=auth)
            else:
                env = {"BENCH_BODY": _body(ME_QUERY)}
                result = wrk(
                    urls[case],
                    seconds=duration,
                    connections=CONNECTIONS,
                    script="post.lua",
                    headers=auth,
                    env=env,
                )
            if not result.ok:
                raise RuntimeError(f"{case}: {result.bad} bad responses or errors")
            return result

        for case in runs:
            run(case, 1)
        for _ in range(rounds):
            for case, results in runs.items():
                results.append(run(case, seconds))
    rps = {case: Series(tuple(r.requests_per_second for r in results)) for case, results in runs.items()}
    p99 = Series(tuple(r.p99 for r in runs["graphql"]))
    section = Section("4", "GraphQL throughput: `{ me { username } }` over HTTP vs the bare REST route")
    section.figures += [
        report.compare(
            "POST /graphql { me { username } } vs bare route",
            rps["graphql"],
            rps["bare"],
            "bare:",
            at_least=0.40,
            unit="rate",
        ),
        Figure(
            f"p99 latency, GraphQL me ({CONNECTIONS} connections)",
            report.seconds(p99.median),
            spread=report.spread(p99),
        ),
    ]
    section.notes += [
        f"{rounds} rounds of {seconds:g} s, bare and GraphQL interleaved, same server process (the real "
        "service: `create_app`, its own schema), same uvicorn and wrk settings as row 3, repeated token. "
        "The GraphQL request is a JSON POST through the service's router: the parsed and validated "
        "document (depth, alias and token limits included) comes from the executor's cache, the `me` "
        "field's guard decides through the policy engine, errors are masked as always. The baseline is "
        "row 3's bare route, last in the service's route table; row 11 compares with a plain FastAPI app.",
    ]
    return section


async def _per_request(executor: object, context_factory: object, count: int) -> float:
    execute = executor.execute  # type: ignore[attr-defined]
    make = context_factory
    start = time.perf_counter()
    for _ in range(count):
        result = await execute(
            query=gql_schemas.QUERY,
            variables=None,
            operation_name=None,
            context=make(),
            allowed={OperationType.QUERY},
        )  # type: ignore[operator]
        if result.errors:
            raise RuntimeError(f"in-process GraphQL errors: {result.errors}")
    return (time.perf_counter() - start) / count


def field_guards_in_process(workdir: Path, rounds: int) -> dict[str, Series]:
    values = settings_values(workdir, bcrypt_rounds=4)
    installation = install(values)
    rbac = installation.rbac
    principal = asyncio.run(rbac.authenticator.authenticate(installation.mint(1)[0]))
    settings = Settings(**values)
    executors = {name: graphql_router(getattr(gql_schemas, name)(), settings).executor for name in VARIANTS}

    def context() -> GraphQLContext:
        return GraphQLContext(rbac, principal)

    async def measure() -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for executor in executors.values():
            await _per_request(executor, context, 3)
        for _ in range(rounds):
            for name, executor in executors.items():
                samples[name].append(await _per_request(executor, context, 8))
        return samples

    return {name: Series(tuple(values)) for name, values in asyncio.run(measure()).items()}


def field_guards_over_http(workdir: Path, rounds: int, seconds: float) -> dict[str, Series]:
    values = settings_values(workdir)
    installation = install(values)
    auth = {"Authorization": f"Bearer {installation.mint(1)[0]}"}
    env = environment(values)
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    servers = {
        name: Server(f"bench.apps:graphql_{name}", env, cpus="0", log=workdir / f"{name}.log")
        for name in VARIANTS
    }
    try:
        body_env = {"BENCH_BODY": _body(gql_schemas.QUERY)}
        for server in servers.values():
            _check_graphql(server, auth, gql_schemas.QUERY)
            wrk(
                server.url + "/graphql",
                seconds=1,
                connections=LIST_CONNECTIONS,
                script="post.lua",
                headers=auth,
                env=body_env,
            )
        for _ in range(rounds):
            for name, server in servers.items():
                result = wrk(
                    server.url + "/graphql",
                    seconds=seconds,
                    connections=LIST_CONNECTIONS,
                    script="post.lua",
                    headers=auth,
                    env=body_env,
                )
                if not result.ok:
                    raise RuntimeError(f"{name}: {result.bad} bad responses or errors")
                samples[name].append(1.0 / result.requests_per_second)
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)
    return {name: Series(tuple(values)) for name, values in samples.items()}


def field_guards(workdir: Path, rounds: int, seconds: float) -> Section:
    local = field_guards_in_process(workdir / "in-process", rounds)
    remote = field_guards_over_http(workdir / "http", rounds, seconds)
    section = Section("5", "Field-level permissions: 1,000 objects x 5 guarded fields vs unguarded")
    for where, s in (("in-process", local), ("over HTTP", remote)):
        section.figures += [
            report.compare(
                f"ours (RbacSchema guards), {where}", s["guarded"], s["unguarded"], "unguarded:", at_most=1.15
            ),
            report.compare(
                f"Strawberry's stock permission_classes, {where}", s["stock"], s["unguarded"], "unguarded:"
            ),
        ]
    section.notes += [
        f"Query `{gql_schemas.QUERY}` over {gql_schemas.PEOPLE:,} objects whose 5 fields each carry "
        f"`HasScopes('{gql_schemas.SCOPE}')` (bench/gql_schemas.py). Three schemas from the same type "
        "definitions: ours (`RbacSchema`: the permission extension is replaced, when the schema is "
        "built, by a resolver wrapper that decides once per request and field), the stock Strawberry "
        "way (the same permission classes in a plain `strawberry.Schema`: the permission extension runs "
        "on every field of every object, and any extension turns off Strawberry's fast path for plain "
        "attribute fields), and unguarded (no field checks; the root field marked public).",
        "In-process: the service's own executor (`graphql_router(schema, settings).executor`: cached "
        "parse and validation, graphql-core execution), a new context per request as the router builds it, "
        f"{rounds} interleaved rounds of 8 requests each. Over HTTP: one server process per schema "
        f"(`create_app(..., graphql_schema=...)`), pinned to core 0, idle except when measured; wrk on "
        f"core 1 with {LIST_CONNECTIONS} connections, {rounds} interleaved rounds of {seconds:g} s; the "
        "figure is time per request (1 / throughput).",
    ]
    return section
