"""The indexed dispatch (`RouteIndex`) answers every request as FastAPI's own router does, for any table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Host, Mount, Route

from rbac_api.transport.route_index import RouteIndex, first_segment, install_route_index

SEGMENTS = ["a", "b", "c", "{x}", "{n:int}"]
PREFIXES = ["", "/a", "/b", "/a/b", "/{o}"]
INNER_PREFIXES = ["/a", "/b", "/{i}"]
METHODS = ["GET", "POST", "PUT", "DELETE"]
REQUEST_SEGMENTS = ["a", "b", "c", "1", "z"]


def _endpoint(number: int) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> dict[str, Any]:
        return {"route": number, "params": request.path_params, "root": request.scope.get("root_path")}

    return endpoint


async def _starlette_endpoint(request: Request) -> JSONResponse:
    return JSONResponse({"mounted": request.url.path, "root": request.scope.get("root_path")})


def _template(segments: list[str]) -> str:
    """A path template from `segments`, each parameter named after its position (names must differ)."""
    named = (s.replace("x}", f"x{i}}}").replace("n:", f"n{i}:") for i, s in enumerate(segments))
    return "/" + "/".join(named)


paths = st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=3).map(_template) | st.just("/a/{p:path}")
routes = st.tuples(paths, st.sets(st.sampled_from(METHODS), min_size=1, max_size=2))
units = st.one_of(
    st.tuples(st.just("route"), routes),
    st.tuples(st.just("router"), st.sampled_from(PREFIXES), st.lists(routes, min_size=1, max_size=4)),
    st.tuples(
        st.just("nested"),
        st.sampled_from(PREFIXES),
        st.sampled_from(INNER_PREFIXES),
        st.lists(routes, min_size=1, max_size=3),
    ),
    st.tuples(st.just("mount"), st.sampled_from(["/a", "/m", ""])),
    st.tuples(st.just("host"), st.sampled_from(["test", "other"])),
)
requests = st.tuples(
    st.sampled_from(METHODS),
    st.lists(st.sampled_from(REQUEST_SEGMENTS), min_size=0, max_size=4).map(lambda s: "/" + "/".join(s)),
    st.booleans(),
)


def build(table: list[tuple[Any, ...]]) -> FastAPI:
    """An app with the units of `table`, in order; each route answers with its own number."""
    app = FastAPI()
    numbers = iter(range(10_000))

    def add(router: APIRouter | FastAPI, spec: tuple[str, set[str]]) -> None:
        path, methods = spec
        if isinstance(router, APIRouter) and router.prefix and path == "/":
            path = "/z"  # a prefixed route's path may not be "/" alone: keep it a distinct route
        router.add_api_route(path, _endpoint(next(numbers)), methods=sorted(methods))

    for unit in table:
        kind = unit[0]
        if kind == "route":
            add(app, unit[1])
        elif kind == "router":
            router = APIRouter()
            for spec in unit[2]:
                add(router, spec)
            app.include_router(router, prefix=unit[1])
        elif kind == "nested":
            outer, inner = APIRouter(), APIRouter()
            for spec in unit[3]:
                add(inner, spec)
            outer.include_router(inner, prefix=unit[2])
            app.include_router(outer, prefix=unit[1])
        elif kind == "mount":
            sub = Starlette(
                routes=[Route("/b", _starlette_endpoint), Route("/{rest:path}", _starlette_endpoint)]
            )
            app.router.routes.append(Mount(unit[1], app=sub))
        else:
            app.router.routes.append(Host(unit[1], app=Starlette(routes=[Route("/c", _starlette_endpoint)])))
    return app


async def call(
    app: FastAPI, method: str, path: str, root_path: str = ""
) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {
                k.decode(): v.decode() for k, v in message["headers"] if k != b"content-length"
            }
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


def answers(app: FastAPI, asked: list[tuple[str, str, bool]]) -> tuple[list[Any], list[Any]]:
    """Each request's answer from FastAPI's own dispatch, then from the index."""
    index = RouteIndex(app.router)

    async def both() -> tuple[list[Any], list[Any]]:
        linear, indexed = [], []
        for method, path, rooted in asked:
            root = "/root" if rooted else ""
            app.router.middleware_stack = app.router.app
            linear.append(await call(app, method, path, root))
            app.router.middleware_stack = index
            indexed.append(await call(app, method, path, root))
        return linear, indexed

    return anyio.run(both)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.lists(units, min_size=1, max_size=7), asked=st.lists(requests, min_size=1, max_size=25))
def test_the_index_answers_every_request_as_fastapis_linear_scan(
    table: list[tuple[Any, ...]], asked: list[tuple[str, str, bool]]
) -> None:
    linear, indexed = answers(build(table), asked)
    assert indexed == linear


def test_a_route_added_after_the_first_request_is_served() -> None:
    app = build([("router", "/a", [("/b", {"GET"})])])
    install_route_index(app)
    assert anyio.run(call, app, "GET", "/c")[0] == 404
    app.add_api_route("/c", _endpoint(99), methods=["GET"])
    status, _headers, body = anyio.run(call, app, "GET", "/c")
    assert (status, body) == (200, b'{"route":99,"params":{},"root":""}')


def test_a_route_added_to_an_included_router_after_the_first_request_is_served() -> None:
    app = FastAPI()
    router = APIRouter()
    router.add_api_route("/b", _endpoint(1), methods=["GET"])
    app.include_router(router, prefix="/a")
    install_route_index(app)
    assert anyio.run(call, app, "GET", "/a/c")[0] == 404
    router.add_api_route("/c", _endpoint(2), methods=["GET"])
    assert anyio.run(call, app, "GET", "/a/c")[2] == b'{"route":2,"params":{},"root":""}'


def test_a_partial_match_answers_405_with_the_methods_of_the_route_it_found() -> None:
    app = build([("router", "/a", [("/{x}", {"POST"}), ("/b", {"GET"})])])
    install_route_index(app)
    status, headers, _body = anyio.run(call, app, "PUT", "/a/b")
    assert (status, headers["allow"]) == (405, "POST")


def test_a_path_with_a_trailing_slash_is_redirected_to_the_route_without() -> None:
    app = build([("router", "/a", [("/b", {"GET"})])])
    install_route_index(app)
    status, headers, _body = anyio.run(call, app, "GET", "/a/b/")
    assert (status, headers["location"]) == (307, "http://test/a/b")


def test_a_mount_gets_the_rest_of_the_path_under_its_root_path() -> None:
    app = build([("router", "/a", [("/c", {"GET"})]), ("mount", "/m")])
    install_route_index(app)
    status, _headers, body = anyio.run(call, app, "GET", "/m/b", "/root")
    assert (status, body) == (200, b'{"mounted":"/root/m/b","root":"/root/m"}')


def test_a_route_whose_first_segment_is_a_parameter_is_tried_in_its_place() -> None:
    app = build([("route", ("/{x}/b", {"GET"})), ("route", ("/a/b", {"GET"}))])
    install_route_index(app)
    assert anyio.run(call, app, "GET", "/a/b")[2] == b'{"route":0,"params":{"x":"a"},"root":""}'


def test_websocket_routes_are_dispatched_too() -> None:
    app, rooms = FastAPI(), APIRouter()

    @rooms.websocket("/{room}")
    async def room(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.path_params["room"])
        await websocket.close()

    app.include_router(rooms, prefix="/ws")
    install_route_index(app)
    with TestClient(app) as client, client.websocket_connect("/ws/lobby") as socket:
        assert socket.receive_text() == "lobby"


def test_the_first_segment_of_a_template_with_a_parameter_in_it_is_unknown() -> None:
    assert [first_segment(p) for p in ("/users/{id}", "/", "/{x}", "/file-{name}", "", "x")] == [
        "users",
        "",
        None,
        None,
        None,
        None,
    ]


def test_a_path_without_parameters_is_looked_up_without_trying_the_routes_before_it() -> None:
    app = build([("router", "/a", [("/x/{p}", {"GET"}), ("/c", {"GET"}), ("/b", {"GET"})])])
    buckets = RouteIndex(app.router).buckets()
    found = buckets.first_for("/a/b")
    assert found is not None
    assert found.context.path_format == "/a/b"


def test_a_path_an_earlier_route_could_match_is_not_looked_up_directly() -> None:
    app = build([("router", "/a", [("/{p}", {"POST"}), ("/b", {"GET"})])])
    assert RouteIndex(app.router).buckets().first_for("/a/b") is None
    install_route_index(app)
    assert anyio.run(call, app, "GET", "/a/b")[2] == b'{"route":1,"params":{},"root":""}'
