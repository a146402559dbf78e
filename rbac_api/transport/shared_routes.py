"""Included routers analysed once per process, not once per app.

FastAPI 0.165 builds the served state of every route of an included router (its dependency tree, its
parameter, body and response fields: a pydantic `TypeAdapter` each) for every app that includes the router:
about 1 ms a route, 35-55 ms for the service's table, two thirds of what `create_app` costs. A process that
builds many apps paid it for each: a test suite calling `create_app` per test (ours builds ~850 a run, and
an application's suite of its own routes protected by ours does the same), or an application serving
several. That state depends only on the router, its routes and how it is included, all the same for every
app. `share_included_routes` keeps it, for each router, from the first app that includes it and gives later
apps copies: each copy has its own app as dependency-override provider (so `app.dependency_overrides` stays
per app), its own request handler and its own lists and dicts; the dependency tree and the pydantic fields,
which nothing changes after they are built, are shared.

A router is shared only when everything that shapes that state compares equal (the include context, but
for the app, and the router's route version, which changes whenever a route is added anywhere below it),
and only when each of its routes is a plain `APIRoute` context: nested included routers, mounts and
frontend groups keep FastAPI's own per-app build. Built on FastAPI's private routing objects, like
`route_index`; with a FastAPI whose routing it does not know, it does nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import weakref
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter, request_response

try:
    from fastapi._body_limit import wrap_app_with_body_limit
    from fastapi.routing import (
        _effective_route_context_var,
        _EffectiveRouteContext,
        _IncludedRouter,
    )
except ImportError:  # a FastAPI without lazily included routers: each app builds its routes, as before
    SUPPORTED = False
else:
    SUPPORTED = True


@dataclass(frozen=True, slots=True)
class _Template:
    """One router's routes as served under one include context, with no app attached."""

    router: weakref.ref[APIRouter]
    context: Any
    version: int
    routes: tuple[Any, ...]


#: By `id` of the router (an `APIRouter` is not hashable); an entry goes when its router does.
_templates: dict[int, _Template] = {}


def share_included_routes(app: FastAPI) -> None:
    """Give each router `app` includes the served routes analysed for an earlier app, when they apply."""
    if not SUPPORTED:
        return
    for route in app.router.routes:
        if isinstance(route, _IncludedRouter):
            _share(route, app)


def _share(included: Any, app: FastAPI) -> None:
    router = included.original_router
    # Without the app, and without the router (a template must not keep its router alive).
    context = dataclasses.replace(
        included.include_context, dependency_overrides_provider=None, included_router=None
    )
    version = router._get_routes_version()
    template = _templates.get(id(router))
    if (
        template is not None
        and template.router() is router
        and template.version == version
        and template.context == context
    ):
        included._effective_candidates = [_attached(route, app) for route in template.routes]
        included._effective_candidates_version = version
        return
    served = included.effective_candidates()
    if served and all(_shareable(route) for route in served):
        routes = tuple(_detached(route) for route in served)
        if id(router) not in _templates:
            weakref.finalize(router, _templates.pop, id(router), None)
        _templates[id(router)] = _Template(weakref.ref(router), context, version, routes)


def _shareable(route: Any) -> bool:
    return isinstance(route, _EffectiveRouteContext) and isinstance(route.original_route, APIRoute)


def _detached(route: Any) -> Any:
    """A copy with no app: no override provider and no handler (a handler holds its provider)."""
    template = _copied(route)
    template.dependency_overrides_provider = None
    template.app = None
    return template


def _attached(template: Any, app: FastAPI) -> Any:
    """The template's route for `app`, with the handler FastAPI would build for it
    (`_EffectiveRouteContext.from_api_route`)."""
    route = _copied(template)
    route.dependency_overrides_provider = app
    token = _effective_route_context_var.set(route)
    try:
        handler = request_response(route.original_route.get_route_handler())
    finally:
        _effective_route_context_var.reset(token)
    route.app = wrap_app_with_body_limit(handler, route.max_body_size)
    return route


def _copied(route: Any) -> Any:
    """A shallow copy with its own lists, dicts and sets: what a later change to one app's route could
    touch stays that app's."""
    duplicate = copy.copy(route)
    for field in dataclasses.fields(duplicate):
        value = getattr(duplicate, field.name)
        if type(value) in (list, dict, set):
            setattr(duplicate, field.name, copy.copy(value))
    return duplicate
