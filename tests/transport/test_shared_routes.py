"""Apps built in one process share the analysis of the routers they include, and nothing an app owns."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from rbac_api.app import assemble_app
from rbac_api.guarded import public_route
from rbac_api.rest.targets import route_targets
from rbac_api.transport import shared_routes
from rbac_api.transport.shared_routes import share_included_routes


def _value() -> str:
    return "real"


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/value", openapi_extra=public_route("a test route"))
    async def value(found: str = Depends(_value)) -> dict[str, str]:
        return {"value": found}

    return router


def _app(router: APIRouter, **include: Any) -> FastAPI:
    app = FastAPI()
    app.include_router(router, **include)
    share_included_routes(app)
    return app


def _served(app: FastAPI) -> list[Any]:
    included = [route for route in app.router.routes if hasattr(route, "effective_candidates")]
    return [served for route in included for served in route.effective_candidates()]


def test_a_second_app_reuses_the_dependency_tree_built_for_the_first() -> None:
    router = _router()
    first, second = _app(router), _app(router)
    (one,), (other,) = _served(first), _served(second)
    assert other.dependant is one.dependant
    assert other is not one


def test_each_app_is_its_own_routes_dependency_override_provider() -> None:
    router = _router()
    first, second = _app(router), _app(router)
    assert [route.dependency_overrides_provider for route in _served(second)] == [second]
    assert [route.dependency_overrides_provider for route in _served(first)] == [first]


def test_a_dependency_override_applies_to_its_own_app_only() -> None:
    router = _router()
    first, second = _app(router), _app(router)
    second.dependency_overrides[_value] = lambda: "overridden"
    with TestClient(first) as one, TestClient(second) as other:
        assert one.get("/value").json() == {"value": "real"}
        assert other.get("/value").json() == {"value": "overridden"}


def test_an_app_including_the_router_differently_gets_its_own_analysis() -> None:
    router = _router()
    _app(router)
    prefixed = _app(router, prefix="/p")
    with TestClient(prefixed) as client:
        assert client.get("/p/value").json() == {"value": "real"}
        assert client.get("/value").status_code == 404


def test_a_route_added_to_the_router_after_an_app_was_built_is_served_by_the_next() -> None:
    router = _router()
    _app(router)

    @router.get("/later", openapi_extra=public_route("a test route"))
    async def later() -> dict[str, str]:
        return {"later": "yes"}

    with TestClient(_app(router)) as client:
        assert client.get("/later").json() == {"later": "yes"}


def test_a_shared_routes_containers_are_its_own() -> None:
    router = _router()
    first, second = _app(router, tags=["t"]), _app(router, tags=["t"])
    (one,), (other,) = _served(first), _served(second)
    other.tags.append("changed")
    assert one.tags == ["t"]


def test_the_service_served_from_shared_analysis_is_the_service_analysed_afresh(tmp_path: Path) -> None:
    """Every route's guard, as the start-up check reads it, and the whole OpenAPI document."""
    shared_routes._templates.clear()
    afresh = assemble_app()
    shared = assemble_app()
    assert _served(shared)[0].dependant is _served(afresh)[0].dependant
    assert route_targets(shared) == route_targets(afresh)
    assert shared.openapi() == afresh.openapi()


def test_a_router_that_is_gone_leaves_no_analysis_behind() -> None:
    router = _router()
    _app(router)
    key = id(router)
    assert key in shared_routes._templates
    del router
    gc.collect()
    assert key not in shared_routes._templates
