"""Fail closed: the service refuses to start with a route or field that is neither guarded nor public."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import pytest
import strawberry
from fastapi import APIRouter, Depends, FastAPI, Security
from fastapi.testclient import TestClient

from rbac_api import CurrentPrincipal, Principal, create_app, current_principal, optional_principal
from rbac_api.app import assemble_app
from rbac_api.graphql import HasScopes, RbacSchema
from rbac_api.graphql.targets import field_targets
from rbac_api.guarded import AppCheckError, app_targets, public_route
from rbac_api.policy.targets import Check, Target, code_location
from rbac_api.policy.usage import unguarded_problems
from tests.conftest import make_settings

HERE = Path(__file__).relative_to(Path.cwd()) if Path(__file__).is_relative_to(Path.cwd()) else Path(__file__)


def refusal(tmp_path: Path, router: APIRouter) -> list[str]:
    with pytest.raises(AppCheckError) as caught:
        create_app(make_settings(tmp_path), routers=[router])
    return [str(problem) for problem in caught.value.problems]


def target(router: APIRouter, name: str) -> Target:
    return next(t for t in app_targets(assemble_app([router])) if t.name == name)


def line_of(function: object) -> int:
    location = code_location(function)
    assert location is not None
    return location.line


def test_an_unguarded_route_stops_start_up_with_its_file_and_line(tmp_path: Path) -> None:
    router = APIRouter()

    @router.get("/open")
    async def open_door() -> dict[str, str]:
        return {}

    assert refusal(tmp_path, router) == [
        f"{HERE}:{line_of(open_door)}: route GET /open is neither guarded nor marked public: "
        "add Security(current_principal, scopes=[...]) or openapi_extra=public_route('why')"
    ]


def test_every_unguarded_route_is_listed_in_one_refusal(tmp_path: Path) -> None:
    router = APIRouter(prefix="/app")

    @router.get("/one")
    async def one() -> None: ...

    @router.post("/two")
    async def two() -> None: ...

    problems = refusal(tmp_path, router)
    assert [p.split(": ")[1] for p in problems] == [
        "route GET /app/one is neither guarded nor marked public",
        "route POST /app/two is neither guarded nor marked public",
    ]


def test_a_route_marked_public_with_a_reason_starts(tmp_path: Path) -> None:
    router = APIRouter()

    @router.get("/status", openapi_extra=public_route("a status page for the load balancer"))
    async def status() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(create_app(make_settings(tmp_path), routers=[router])) as client:
        assert client.get("/status").json() == {"ok": "yes"}
        operation = client.get("/openapi.json").json()["paths"]["/status"]["get"]
        assert operation["x-rbac-public"] == "a status page for the load balancer"


def test_a_public_marker_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        public_route("  ")


def test_a_route_needing_only_a_valid_token_is_guarded() -> None:
    router = APIRouter()

    @router.get("/me-too")
    async def me_too(principal: CurrentPrincipal) -> None: ...

    assert target(router, "GET /me-too").checks == (Check("token"),)


def test_an_optional_principal_alone_does_not_guard_a_route() -> None:
    router = APIRouter()

    @router.get("/maybe")
    async def maybe(principal: Annotated[Principal, Security(optional_principal)]) -> None: ...

    assert not target(router, "GET /maybe").guarded


def test_router_dependencies_guard_every_route_of_the_router() -> None:
    router = APIRouter(dependencies=[Security(current_principal, scopes=["documents:read"])])

    @router.get("/shelf")
    async def shelf() -> None: ...

    assert target(router, "GET /shelf").checks == (Check("scopes", frozenset({"documents:read"})),)


async def editor(_p: Annotated[Principal, Security(current_principal, scopes=["documents:read"])]) -> None:
    return None


async def needs_admin(_p: Annotated[Principal, Security(current_principal, scopes=["users:write"])]) -> None:
    return None


def test_scopes_of_nested_security_dependencies_add_up() -> None:
    router = APIRouter()

    @router.post("/draft")
    async def draft(_e: Annotated[None, Security(editor, scopes=["documents:write"])]) -> None: ...

    assert target(router, "POST /draft").scopes == {"documents:read", "documents:write"}


def test_fastapi_openapi_document_is_public_by_name() -> None:
    targets = {t.name: t for t in app_targets(assemble_app())}
    assert targets["GET /openapi.json"].public == "FastAPI's API documentation"


def test_the_pages_and_their_files_are_public_with_a_reason() -> None:
    targets = {t.name: t for t in app_targets(assemble_app())}
    pages = ("GET /docs", "GET /docs/oauth2-redirect", "GET /static/vendor/{url_path:path}", "GET /console")
    for name in (*pages, "GET /console/assets/{name}"):
        assert "no data" in str(targets[name].public)


def test_a_plain_starlette_route_is_unguarded() -> None:
    app = assemble_app()

    async def raw(_request: object) -> None: ...

    app.add_route("/raw", raw)  # type: ignore[arg-type]
    assert [t.name for t in app_targets(app) if not t.guarded] == ["* /raw"]


def test_the_service_itself_has_nothing_unguarded() -> None:
    app: FastAPI = assemble_app()
    assert unguarded_problems(app_targets(app)) == []


def test_the_services_public_routes_say_why() -> None:
    pages = ("/docs", "/static/vendor/", "/console")
    targets = app_targets(assemble_app())
    public = {t.name: t.public for t in targets if t.public and not t.name.split()[1].startswith(pages)}
    assert set(public) == {
        "POST /token",
        "POST /revoke",
        "GET /.well-known/jwks.json",
        "GET /health",
        "POST /users",
        "GET /openapi.json",
    }
    assert "accounts.create_account" in str(public["POST /users"])


@dataclass(frozen=True)
class Permission:
    """The shape of a GraphQL permission as `rbac_api.graphql.guards.field_guards` reports it."""

    required_scopes: frozenset[str] = frozenset()
    is_public: bool = False
    name: str = "HasScopes"

    def describe(self) -> str:
        return self.name


def test_an_unguarded_graphql_field_is_reported() -> None:
    fields = field_targets(
        {
            "Query.me": (Permission(),),
            "Query.secret": (),
            "Query.version": (Permission(is_public=True, name="AllowAny"),),
            "User.email": (Permission(frozenset({"users:read"})),),
        }
    )
    assert [str(p).split(": ", 1)[1] for p in unguarded_problems(fields)] == [
        "GraphQL field Query.secret is neither guarded nor marked public: "
        "add permission_classes=[...] (AllowAny to make it public on purpose)"
    ]
    assert {t.name: t.describe() for t in fields}["User.email"] == "requires scopes users:read"


def test_a_field_with_a_public_and_a_scoped_permission_is_guarded() -> None:
    (field,) = field_targets(
        {"User.email": (Permission(is_public=True), Permission(frozenset({"users:read"})))}
    )
    assert field.scopes == {"users:read"}
    assert field.public is None


def test_dependencies_are_walked_even_through_plain_depends() -> None:
    router = APIRouter()

    @router.delete("/purge")
    async def purge(_x: Annotated[None, Depends(needs_admin)]) -> None: ...

    assert target(router, "DELETE /purge").scopes == {"users:write"}


@strawberry.type
class OpenQuery:
    @strawberry.field(permission_classes=[HasScopes("documents:read")])
    def shelf(self) -> str:
        return "guarded"

    @strawberry.field
    def secret(self) -> str:
        return "nobody guarded me"


def test_an_unguarded_graphql_root_field_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(AppCheckError) as caught:
        create_app(make_settings(tmp_path), graphql_schema=RbacSchema(query=OpenQuery))
    assert [str(p) for p in caught.value.problems] == [
        f"{HERE}:{line_of(OpenQuery.secret)}: GraphQL field OpenQuery.secret is neither guarded nor "
        "marked public: add permission_classes=[...] (AllowAny to make it public on purpose)"
    ]


def test_the_graphql_endpoint_itself_is_public_because_its_fields_are_checked(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    endpoint = next(t for t in app_targets(app) if t.name == "POST /graphql")
    assert endpoint.public == "the GraphQL endpoint: each field is guarded on its own"
