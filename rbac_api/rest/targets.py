"""REST routes as policy `Target`s: what each route's dependency tree demands, or why it is public."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Route

from rbac_api.policy.targets import Check, Target, code_location
from rbac_api.rest.deps import PrincipalDependency

#: The `openapi_extra` key that marks a route public; its value is the reason, shown in the OpenAPI document.
PUBLIC_KEY = "x-rbac-public"
_GRAPHQL_ENDPOINT = "strawberry.fastapi.router"
_TOKEN = Check("token")


def public_route(reason: str, **openapi_extra: Any) -> dict[str, Any]:
    """`openapi_extra=public_route("why")`: leave a route open to anyone, on purpose and saying why.

    Insecure by design: the route gets no authentication at all. Other `openapi_extra` keys pass through.
    """
    if not reason.strip():
        raise ValueError("public_route needs a reason, such as public_route('the login form')")
    return {**openapi_extra, PUBLIC_KEY: reason}


def route_targets(app: FastAPI) -> list[Target]:
    """One target per method of every route, with what its dependencies demand."""
    docs = {app.openapi_url, app.docs_url, app.redoc_url}
    if app.docs_url:
        docs.add(app.swagger_ui_oauth2_redirect_url)
    graphql = getattr(app.state, "graphql_schema", None) is not None
    return [target for route, view in served_routes(app) for target in _targets(route, view, docs, graphql)]


def served_routes(app: FastAPI) -> Iterator[tuple[BaseRoute, Any]]:
    """Each route as declared, and a view of it as served (prefix, router dependencies and all)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:  # FastAPI before lazily included routers: app.routes are the served routes
        for route in app.routes:
            yield route, route
        return
    for context in iterate(app.routes):
        yield context.original_route, context


def _targets(route: BaseRoute, view: Any, docs: set[str | None], graphql: bool) -> Iterator[Target]:
    if isinstance(route, APIRoute | APIWebSocketRoute):
        methods = sorted(view.methods or ()) if isinstance(route, APIRoute) else ["WS"]
        checks = _checks(view.dependant)
        public = _public_reason(view, graphql)
        for method in methods:
            yield Target("route", f"{method} {view.path}", checks, public, code_location(view.endpoint))
    elif isinstance(route, Route) and view.path in docs:
        for method in sorted(set(view.methods or ()) - {"HEAD"}) or ["GET"]:  # HEAD mirrors GET
            yield Target("route", f"{method} {view.path}", public="FastAPI's API documentation")
    else:
        path = getattr(view, "path", None) or type(route).__name__
        yield Target("route", f"* {path}", location=code_location(getattr(view, "endpoint", None)))


def _checks(dependant: Any) -> tuple[Check, ...]:
    required, authenticated, declared = _demands(dependant)
    checks = ((Check("scopes", required),) if required else ()) + declared
    return checks or ((_TOKEN,) if authenticated else ())


def _demands(
    dependant: Any, inherited: tuple[str, ...] = ()
) -> tuple[frozenset[str], bool, tuple[Check, ...]]:
    """Scopes required, whether a token is needed, and the checks the use case makes (`DecidedByUseCase`),
    over the whole dependency tree.

    FastAPI passes each `Security(..., scopes=[...])` down to the dependencies below it; our dependency
    enforces what reaches it, and every occurrence runs, so the demands add up.
    """
    scopes = (*inherited, *_own_scopes(dependant))
    required: frozenset[str] = frozenset()
    authenticated = False
    call = dependant.call
    # `DecidedByUseCase`, `ObjectGuard` and any dependency declaring the check it makes (`rbac_check`).
    check = getattr(call, "rbac_check", None)
    declared: tuple[Check, ...] = (check,) if isinstance(check, Check) else ()
    if isinstance(call, PrincipalDependency) and (scopes or not call.optional):
        required, authenticated = frozenset(scopes), True
    for sub in dependant.dependencies:
        sub_required, sub_authenticated, sub_declared = _demands(sub, scopes)
        required, authenticated = required | sub_required, authenticated or sub_authenticated
        declared += tuple(check for check in sub_declared if check not in declared)
    return required, authenticated, declared


def _own_scopes(dependant: Any) -> list[str]:
    if not hasattr(dependant, "own_oauth_scopes"):  # FastAPI before 0.120 kept them accumulated
        return list(getattr(dependant, "security_scopes", None) or [])
    return list(dependant.own_oauth_scopes or [])


def _public_reason(view: Any, graphql: bool) -> str | None:
    if graphql and getattr(view.endpoint, "__module__", None) == _GRAPHQL_ENDPOINT:
        return "the GraphQL endpoint: each field is guarded on its own"
    reason = (getattr(view, "openapi_extra", None) or {}).get(PUBLIC_KEY)
    return reason if isinstance(reason, str) and reason.strip() else None
