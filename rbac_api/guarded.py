"""Fail closed: every REST route and GraphQL field is guarded, or marked public in code with a reason.

Strawberry leaves fields open by default and a forgotten `Security(...)` leaves a route open; here the
default is the other way round. `create_app` walks the app once at start-up and refuses to start on any
route or field that is neither guarded nor marked public, or that requires a scope the policy lacks.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Route

from rbac_api.policy.model import Location, Policy
from rbac_api.policy.problems import Problem, has_errors
from rbac_api.policy.targets import Target
from rbac_api.policy.usage import unguarded_problems, usage_problems
from rbac_api.rest.deps import PrincipalDependency

#: The `openapi_extra` key that marks a route public; its value is the reason, shown in the OpenAPI document.
PUBLIC_KEY = "x-rbac-public"
_GRAPHQL_ENDPOINT = "strawberry.fastapi.router"


def public_route(reason: str, **openapi_extra: Any) -> dict[str, Any]:
    """`openapi_extra=public_route("why")`: leave a route open to anyone, on purpose and saying why.

    Insecure by design: the route gets no authentication at all. Other `openapi_extra` keys pass through.
    """
    if not reason.strip():
        raise ValueError("public_route needs a reason, such as public_route('the login form')")
    return {**openapi_extra, PUBLIC_KEY: reason}


class FieldPermission(Protocol):
    """What a GraphQL permission class tells the walk (see `rbac_api.graphql.guards`)."""

    @property
    def required_scopes(self) -> frozenset[str]: ...
    @property
    def is_public(self) -> bool: ...
    def describe(self) -> str: ...


class AppCheckError(Exception):
    """The app's code and policy do not pass the start-up checks; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def route_targets(app: FastAPI) -> list[Target]:
    """One target per method of every route, with what its dependencies demand."""
    docs = {app.openapi_url, app.docs_url, app.redoc_url}
    if app.docs_url:
        docs.add(app.swagger_ui_oauth2_redirect_url)
    return [target for route, view in _routes(app) for target in _targets(route, view, docs)]


def field_targets(guards: Mapping[str, Sequence[FieldPermission]]) -> list[Target]:
    """One target per GraphQL field ("Type.field"); permissions all apply, as Strawberry runs them."""
    targets = []
    for name, permissions in guards.items():
        guarding = [p for p in permissions if not p.is_public]
        public = "; ".join(p.describe() for p in permissions) if permissions and not guarding else None
        required = frozenset().union(*(p.required_scopes for p in guarding))
        targets.append(Target("field", name, required, bool(guarding), public))
    return targets


def check_app(targets: Sequence[Target], policy: Policy) -> list[Problem]:
    """Every unguarded target and every mismatch between the code's scopes and the policy."""
    return [*unguarded_problems(targets), *usage_problems(targets, policy)]


def verify_app(targets: Sequence[Target], policy: Policy) -> list[Problem]:
    """`check_app`, raising `AppCheckError` on any error; the warnings are returned."""
    problems = check_app(targets, policy)
    if has_errors(problems):
        raise AppCheckError([p for p in problems if p.severity == "error"])
    return problems


def _routes(app: FastAPI) -> Iterator[tuple[BaseRoute, Any]]:
    """Each route as declared, and a view of it as served (prefix, router dependencies and all)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:  # FastAPI before lazily included routers: app.routes are the served routes
        for route in app.routes:
            yield route, route
        return
    for context in iterate(app.routes):
        yield context.original_route, context


def _targets(route: BaseRoute, view: Any, docs: set[str | None]) -> Iterator[Target]:
    if isinstance(route, APIRoute | APIWebSocketRoute):
        methods = sorted(view.methods or ()) if isinstance(route, APIRoute) else ["WS"]
        required, authenticated = _demands(view.dependant)
        public = _public_reason(view)
        for method in methods:
            name = f"{method} {view.path}"
            yield Target("route", name, required, authenticated, public, _location(view.endpoint))
    elif isinstance(route, Route) and view.path in docs:
        for method in sorted(set(view.methods or ()) - {"HEAD"}) or ["GET"]:  # HEAD mirrors GET
            yield Target("route", f"{method} {view.path}", public="FastAPI's API documentation")
    else:
        path = getattr(view, "path", None) or type(route).__name__
        yield Target("route", f"* {path}", location=_location(getattr(view, "endpoint", None)))


def _demands(dependant: Any, inherited: tuple[str, ...] = ()) -> tuple[frozenset[str], bool]:
    """Scopes required and whether a token is needed, over the whole dependency tree.

    FastAPI passes each `Security(..., scopes=[...])` down to the dependencies below it; our dependency
    enforces what reaches it, and every occurrence runs, so the demands add up.
    """
    scopes = (*inherited, *_own_scopes(dependant))
    required: frozenset[str] = frozenset()
    authenticated = False
    call = dependant.call
    if isinstance(call, PrincipalDependency) and (scopes or not call.optional):
        required, authenticated = frozenset(scopes), True
    for sub in dependant.dependencies:
        sub_required, sub_authenticated = _demands(sub, scopes)
        required, authenticated = required | sub_required, authenticated or sub_authenticated
    return required, authenticated


def _own_scopes(dependant: Any) -> list[str]:
    own = getattr(dependant, "own_oauth_scopes", None)
    if own is None and not hasattr(dependant, "own_oauth_scopes"):  # FastAPI < 0.120 kept them accumulated
        return list(getattr(dependant, "security_scopes", None) or [])
    return list(own or [])


def _public_reason(route: Any) -> str | None:
    if getattr(route.endpoint, "__module__", None) == _GRAPHQL_ENDPOINT:
        return "the GraphQL endpoint: each field is guarded on its own"
    extra = getattr(route, "openapi_extra", None) or {}
    reason = extra.get(PUBLIC_KEY)
    return reason if isinstance(reason, str) and reason.strip() else None


def _location(endpoint: Callable[..., Any] | None) -> Location | None:
    """Where the endpoint is defined (its first decorator line), relative to the working directory."""
    try:
        function = inspect.unwrap(endpoint) if endpoint is not None else None
        source = inspect.getsourcefile(function) if function is not None else None
        line = function.__code__.co_firstlineno if function is not None else 0
    except (TypeError, AttributeError):
        return None
    if source is None:
        return None
    relative = os.path.relpath(source)
    return Location(source if relative.startswith("..") else relative, line)
