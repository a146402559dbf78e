"""`GuardedRoute` answers a route of the commonest guarded shape directly, exactly as FastAPI's handler
would, and leaves every other shape, and every request while an override is set, to FastAPI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from rbac_api import Principal, Settings, create_app, current_principal, optional_principal
from rbac_api.graphql.schema import RbacSchema
from rbac_api.guarded import public_route
from rbac_api.rest.guarded_route import GuardedRoute, direct_handler
from tests.conftest import ADMIN_PASSWORD, bearer, login

guarded = APIRouter(prefix="/guarded", route_class=GuardedRoute)
standard = APIRouter(prefix="/standard")


def _who(request: Request, principal: Principal) -> JSONResponse:
    return JSONResponse(
        {"user": principal.username, "scopes": sorted(principal.scopes), "path": request.url.path},
        headers={"x-extra": "1"},
    )


for _router in (guarded, standard):

    @_router.get("/who")
    async def who(
        request: Request, principal: Principal = Security(current_principal, scopes=["profile:read"])
    ) -> JSONResponse:
        return _who(request, principal)

    @_router.get("/maybe", openapi_extra=public_route("anyone; the answer says who called"))
    async def maybe(principal: Principal = Security(optional_principal)) -> JSONResponse:
        return JSONResponse({"user": principal.username, "authenticated": principal.is_authenticated})


@pytest.fixture
def app_client(settings: Settings, graphql_schema: RbacSchema) -> Iterator[TestClient]:
    app = create_app(settings, routers=[guarded, standard], graphql_schema=graphql_schema)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _served(client: TestClient, path: str) -> Any:
    for route in client.app.router.routes:  # type: ignore[attr-defined]
        for served in getattr(route, "effective_candidates", list)():
            if getattr(served, "path_format", None) == path:
                return served
    raise AssertionError(f"no route {path}")


def _answer(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    response = client.get(path, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k in ("www-authenticate", "content-type", "x-extra")}
    body = response.json()
    if isinstance(body, dict) and "path" in body:
        body = {**body, "path": body["path"].replace("/guarded", "").replace("/standard", "")}
    return response.status_code, body, kept


def test_the_route_of_the_common_shape_gets_the_direct_handler(app_client: TestClient) -> None:
    assert direct_handler(_served(app_client, "/guarded/who"), _unused) is not None
    assert direct_handler(_served(app_client, "/guarded/maybe"), _unused) is not None


@pytest.mark.parametrize(
    "credential",
    ["none", "not bearer", "garbage", "under-scoped", "full", "two headers"],
)
@pytest.mark.parametrize("path", ["/who", "/maybe"])
def test_the_direct_handler_answers_as_fastapis_handler(
    app_client: TestClient, credential: str, path: str
) -> None:
    headers: dict[str, str] = {}
    if credential == "not bearer":
        headers = {"Authorization": "Basic YWRtaW46eA=="}
    elif credential == "garbage":
        headers = bearer("not-a-token")
    elif credential == "under-scoped":
        headers = bearer(login(app_client, "admin", ADMIN_PASSWORD, scope="users:read"))
    elif credential == "full":
        headers = bearer(login(app_client, "admin", ADMIN_PASSWORD))
    if credential == "two headers":
        token = login(app_client, "admin", ADMIN_PASSWORD)
        raw = [("Authorization", f"Bearer {token}"), ("authorization", f"Bearer {token}")]
        answers = [app_client.get(prefix + path, headers=raw) for prefix in ("/guarded", "/standard")]
        assert [a.status_code for a in answers] == [400, 400]
        assert answers[0].json() == answers[1].json()
        return
    assert _answer(app_client, "/guarded" + path, headers) == _answer(app_client, "/standard" + path, headers)


def test_a_dependency_override_is_honoured(app_client: TestClient) -> None:
    app = app_client.app
    app.dependency_overrides[current_principal] = lambda: Principal(  # type: ignore[attr-defined]
        subject="0", username="overridden", roles=frozenset(), scopes=frozenset(), token_id="", expires_at=0
    )
    try:
        assert app_client.get("/guarded/who").json()["user"] == "overridden"
    finally:
        app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert app_client.get("/guarded/who").status_code == 401


def test_other_shapes_keep_fastapis_handler() -> None:
    router = APIRouter(route_class=GuardedRoute)

    def extra() -> int:
        return 1

    @router.get("/query")
    async def with_query(q: str, principal: Principal = Security(current_principal)) -> JSONResponse:
        return JSONResponse({})

    @router.get("/two")
    async def two(p: Principal = Security(current_principal), n: int = Depends(extra)) -> JSONResponse:
        return JSONResponse({})

    @router.get("/model")
    async def model(principal: Principal = Security(current_principal)) -> dict[str, str]:
        return {}

    @router.get("/sync")
    def sync(principal: Principal = Security(current_principal)) -> JSONResponse:
        return JSONResponse({})

    @router.get("/route-level", dependencies=[Security(current_principal, scopes=["profile:read"])])
    async def route_level() -> JSONResponse:
        return JSONResponse({})

    for route in router.routes:
        assert direct_handler(route, _unused) is None, route.path  # type: ignore[attr-defined]


def test_a_router_included_with_more_dependencies_keeps_fastapis_handler() -> None:
    def audit() -> None:
        return None

    router = APIRouter(route_class=GuardedRoute)

    @router.get("/who")
    async def who_else(principal: Principal = Security(current_principal)) -> JSONResponse:
        return JSONResponse({})

    app = FastAPI()
    app.include_router(router, dependencies=[Depends(audit)])
    (included,) = app.router.routes[-1:]
    (served,) = included.effective_candidates()  # type: ignore[attr-defined]
    assert direct_handler(served, _unused) is None


def test_an_endpoint_returning_no_response_despite_its_annotation_is_a_server_error(
    settings: Settings, graphql_schema: RbacSchema
) -> None:
    router = APIRouter(route_class=GuardedRoute)

    @router.get("/liar")
    async def liar(principal: Principal = Security(current_principal)) -> Response:
        return {"not": "a response"}  # type: ignore[return-value]

    app = create_app(settings, routers=[router], graphql_schema=graphql_schema)
    with TestClient(app) as client:
        token = login(client, "admin", ADMIN_PASSWORD)
        with pytest.raises(TypeError, match="annotated to return a Response"):
            client.get("/liar", headers=bearer(token))


async def _unused(request: Request) -> Response:
    raise AssertionError("FastAPI's handler was called")
