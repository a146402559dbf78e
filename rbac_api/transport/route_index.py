"""Route dispatch that costs the same for the last route of a table as for the first.

Starlette's router tries every route's pattern in order, and FastAPI 0.165 includes routers lazily: each
included router is one entry that, when tried, walks its own routes (and, when it matches, walks them again to
handle the request). A request to the last route of the service, or to an application's route included
after it, paid for every route before it. `RouteIndex` flattens the table into its leaves (each route as
served: prefix, router dependencies and limits applied, in FastAPI's own objects), files each under the first
segment of its path, and tries only the leaves of the request's first segment, in their original order. A
leaf whose first segment is a parameter (or that is not matched on its path: a `Host`, a custom route) is
tried for every request, in its place. So the first full match wins as before, a partial match (the path
matches, the method does not) still answers 405 through the same route, and the request is handed over
exactly as FastAPI's router hands it over. When nothing matches, FastAPI's own router answers (slash
redirects, low-priority routes, 404), as it would have.

The index is rebuilt when any router's route list changes (checked on every request: one list comparison
per router). Built on FastAPI's private routing objects; with a FastAPI whose routing it does not know,
`install_route_index` leaves FastAPI's dispatch in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send

try:
    from fastapi._body_limit import wrap_app_with_body_limit
    from fastapi.routing import (
        _FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY as EFFECTIVE_KEY,
    )
    from fastapi.routing import (
        _FASTAPI_INCLUDED_ROUTER_KEY as INCLUDED_KEY,
    )
    from fastapi.routing import (
        _apply_router_form_limits,
        _EffectiveRouteContext,
        _get_fastapi_scope,
        _IncludedRouter,
        _update_scope,
    )
    from fastapi.telemetry._api import _route_selected
except ImportError:  # a FastAPI without lazily included routers: its own dispatch stays
    SUPPORTED = False
else:
    SUPPORTED = True

from starlette._utils import get_route_path

APIRoute = fastapi_routing.APIRoute
APIWebSocketRoute = fastapi_routing.APIWebSocketRoute

#: `matches` implementations that match the path against the pattern of `path_format` (and, for some, the
#: method), nothing else: a route matched by one of these can only match paths that start with its
#: `path_format`'s first segment.
_PATH_MATCHERS = frozenset(cls.matches for cls in (Route, WebSocketRoute, Mount, APIRoute, APIWebSocketRoute))


def first_segment(path: str) -> str | None:
    """The first segment of a path or path template; None when a template's first segment holds a
    parameter, or the path does not start with a slash."""
    if not path.startswith("/"):
        return None
    segment = path[1:].split("/", 1)[0]
    return None if "{" in segment else segment


@dataclass(frozen=True, slots=True)
class Leaf:
    """One route as served. `route` is what a top-level leaf is (a `chain` of none); for a route of an
    included router, `context` is FastAPI's effective route (prefix, dependencies and limits applied) and
    `chain` the included routers it sits in, outermost first."""

    route: BaseRoute
    key: str | None
    context: Any = None
    chain: tuple[Any, ...] = ()
    #: An `APIRoute` context whose route does not override `matches`: matched by the context directly.
    direct: bool = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.context is None:
            return self.route.matches(scope)
        if not isinstance(self.route, APIRoute):
            return self.context.matches(scope)  # type: ignore[no-any-return]
        if self.direct:
            match, child_scope = self.context.matches(scope)
            if match is not Match.NONE:
                child_scope["route"] = self.route
            return match, child_scope
        return _matched_in_context(self.route, self.context, scope)


def _matched_in_context(route: BaseRoute, context: Any, scope: Scope) -> tuple[Match, Scope]:
    """As FastAPI's included router matches an `APIRoute` subclass: with its effective context in scope."""
    fastapi_scope = _get_fastapi_scope(scope)
    missing = object()
    previous = fastapi_scope.get(EFFECTIVE_KEY, missing)
    fastapi_scope[EFFECTIVE_KEY] = context
    try:
        return route.matches(scope)
    finally:
        if previous is missing:
            fastapi_scope.pop(EFFECTIVE_KEY, None)
        else:
            fastapi_scope[EFFECTIVE_KEY] = previous


def leaves(routes: list[BaseRoute]) -> tuple[list[Leaf], list[Any]]:
    """The leaves of a route table in matching order, and every router whose route list they depend on."""
    found: list[Leaf] = []
    routers: list[Any] = []
    for route in routes:
        if isinstance(route, _IncludedRouter):
            inner = _included_leaves(route, (route,), routers)
            found += inner if inner is not None else [Leaf(route, None)]
        else:
            found.append(Leaf(route, _key(route)))
    return found, routers


def _included_leaves(included: Any, chain: tuple[Any, ...], routers: list[Any]) -> list[Leaf] | None:
    """The leaves of an included router, or None when one of its routes is of a kind not known here (the
    router is then tried as a whole, as FastAPI tries it)."""
    routers.append(included.original_router)
    found: list[Leaf] = []
    for candidate in included.effective_candidates():
        if isinstance(candidate, _IncludedRouter):
            inner = _included_leaves(candidate, (*chain, candidate), routers)
            if inner is None:
                return None
            found += inner
            continue
        leaf = _context_leaf(candidate, chain)
        if leaf is None:
            return None
        found.append(leaf)
    return found


def _context_leaf(context: Any, chain: tuple[Any, ...]) -> Leaf | None:
    if not isinstance(context, _EffectiveRouteContext):
        return None
    original = context.original_route
    if isinstance(original, APIRoute):
        direct = type(original).matches is APIRoute.matches
        return Leaf(original, first_segment(context.path_format), context, chain, direct)
    starlette_route = context.starlette_route
    if starlette_route is None:  # a frontend group: matched by FastAPI's own rules
        return None
    return Leaf(starlette_route, _key(starlette_route), context, chain)


def _key(route: BaseRoute) -> str | None:
    path_format = getattr(route, "path_format", None)
    if type(route).matches not in _PATH_MATCHERS or not isinstance(path_format, str):
        return None
    return first_segment(path_format)


class Buckets:
    """Leaves by first path segment, each bucket in table order with every unkeyed leaf in its place; and
    the exact paths that only one leaf of its bucket can be the first to match."""

    __slots__ = ("_by_segment", "_static", "_unkeyed")

    def __init__(self, table: list[Leaf]) -> None:
        self._by_segment: dict[str, list[Leaf]] = {}
        self._unkeyed: list[Leaf] = []
        for leaf in table:
            if leaf.key is None:
                self._unkeyed.append(leaf)
                for bucket in self._by_segment.values():
                    bucket.append(leaf)
            else:
                self._by_segment.setdefault(leaf.key, list(self._unkeyed)).append(leaf)
        self._static = _static_paths(self._by_segment.values())

    def candidates(self, route_path: str) -> list[Leaf]:
        """Every leaf that can match `route_path` (a path without its `root_path`), in table order."""
        segment = first_segment(route_path)
        return self._unkeyed if segment is None else self._by_segment.get(segment, self._unkeyed)

    def first_for(self, route_path: str) -> Leaf | None:
        """The leaf that is the first of the table to match `route_path` by path, when that is known
        without trying any (a path without parameters, no earlier leaf that could match it)."""
        return self._static.get(route_path)


def _static_paths(buckets: Iterable[list[Leaf]]) -> dict[str, Leaf]:
    """Each parameterless path of a plain HTTP route, mapped to its route when no leaf before it in its
    bucket can match that path: an earlier leaf whose pattern matches it, or whose matching is not known
    here (an unkeyed leaf, an `APIRoute` subclass with its own `matches`), leaves the path out."""
    static: dict[str, Leaf] = {}
    for bucket in buckets:
        for index, leaf in enumerate(bucket):
            path = _plain_http_path(leaf)
            if path is None or path in static:
                continue
            if not any(_may_match(earlier, path) for earlier in bucket[:index]):
                static[path] = leaf
    return static


def _plain_http_path(leaf: Leaf) -> str | None:
    route = leaf.route
    if isinstance(route, APIRoute):
        plain = leaf.direct if leaf.context is not None else type(route).matches is APIRoute.matches
        path = leaf.context.path_format if leaf.context is not None else route.path_format
    else:
        plain, path = type(route) is Route, getattr(route, "path_format", None)
    return path if plain and isinstance(path, str) and "{" not in path else None


def _may_match(leaf: Leaf, path: str) -> bool:
    """False only when `leaf` cannot match `path`, whatever the method or scope type."""
    in_context = leaf.context is not None and isinstance(leaf.route, APIRoute)
    if leaf.key is None or (in_context and not leaf.direct):
        return True
    source = leaf.context if in_context else leaf.route
    pattern = getattr(source, "path_regex", None)
    return pattern is None or pattern.match(path) is not None


def select(buckets: Buckets, scope: Scope) -> tuple[Match, Leaf | None, Scope]:
    """The first leaf that matches in full, else the first that matches in part (as Starlette decides)."""
    route_path = get_route_path(scope)
    first = buckets.first_for(route_path)
    if first is not None:
        match, child_scope = first.matches(scope)
        if match is Match.FULL:  # no leaf before it matches this path at all
            return match, first, child_scope
    partial: tuple[Leaf, Scope] | None = None
    for leaf in buckets.candidates(route_path):
        match, child_scope = leaf.matches(scope)
        if match is Match.FULL:
            return match, leaf, child_scope
        if match is Match.PARTIAL and partial is None:
            partial = (leaf, child_scope)
    if partial is not None:
        return Match.PARTIAL, partial[0], partial[1]
    return Match.NONE, None, {}


class RouteIndex:
    """A FastAPI router's dispatch through `Buckets`: what `install_route_index` puts in front of it."""

    __slots__ = ("_buckets", "_watched", "router")

    def __init__(self, router: Any) -> None:
        self.router = router
        self._buckets = Buckets([])
        #: Each router the leaves come from, with its route list as indexed; None forces the first build.
        self._watched: tuple[tuple[Any, list[BaseRoute] | None], ...] = ((router, None),)

    def buckets(self) -> Buckets:
        """The index of the route table as it is now, rebuilt when any router's route list changed."""
        for router, indexed in self._watched:
            if router.routes != indexed:
                table, routers = leaves(self.router.routes)
                self._buckets = Buckets(table)
                self._watched = tuple((r, list(r.routes)) for r in (self.router, *routers))
                break
        return self._buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self.router
        if scope["type"] == "lifespan":
            await router.app(scope, receive, send)
            return
        buckets = self.buckets()
        _apply_router_form_limits(scope, router.form_limits)
        if "router" not in scope:
            scope["router"] = router
        _match, leaf, child_scope = select(buckets, scope)
        if leaf is None:  # slash redirects, low-priority routes, the 404: FastAPI's router decides
            await router.app(scope, receive, send)
        elif leaf.context is None:
            _update_scope(scope, child_scope)
            mount = isinstance(leaf.route, Mount)
            _route_selected(scope=scope, path=getattr(leaf.route, "path_format", None), mount=mount)
            await leaf.route.handle(scope, receive, send)
        else:
            await _handle_included(leaf, child_scope, scope, receive, send)


async def _handle_included(
    leaf: Leaf, child_scope: Scope, scope: Scope, receive: Receive, send: Send
) -> None:
    """What FastAPI's included routers do on the way to the route they selected, for each router of the
    chain (form limits, the router in scope), then for the route (its effective context in scope)."""
    fastapi_scope = _get_fastapi_scope(scope)
    for included in leaf.chain:
        _apply_router_form_limits(scope, included.include_context.form_limits)
        fastapi_scope[INCLUDED_KEY] = included
    context = leaf.context
    _update_scope(scope, child_scope)
    path = getattr(context.starlette_route, "path_format", None) or context.path_format
    _route_selected(scope=scope, path=path, mount=isinstance(leaf.route, Mount))
    fastapi_scope[EFFECTIVE_KEY] = context
    if isinstance(leaf.route, APIRoute):
        scope["route"] = leaf.route
        await leaf.route.handle(scope, receive, send)
        return
    limit = leaf.chain[-1].include_context.max_body_size
    await wrap_app_with_body_limit(leaf.route.handle, limit)(scope, receive, send)


def install_route_index(app: FastAPI) -> None:
    """Dispatch `app`'s requests through a `RouteIndex`, when FastAPI's routing is the one known here and
    the router has no middleware of its own (otherwise FastAPI's dispatch stays)."""
    router = app.router
    if SUPPORTED and router.middleware_stack == router.app:
        router.middleware_stack = RouteIndex(router)
