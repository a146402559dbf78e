"""`GuardedRoute`: FastAPI's route, with a direct handler for the commonest guarded shape.

`async def endpoint(request: Request, principal: Security(current_principal, scopes=[...])) -> SomeResponse`
(either parameter may be left out) needs nothing of FastAPI's generic request handling but the one call to
our dependency: no parameters to read or validate, no body, no response model to apply (it returns a
`Response`). FastAPI still resolves it generically, two levels of `solve_dependencies`: ~15 µs of a ~60 µs
`GET /users/me`, three times what the dependency itself does (docs/benchmarks.md, row 11). For a route of
exactly that shape, decided once when the handler is built, this handler calls the dependency as FastAPI
would (same arguments, same `SecurityScopes`), then the endpoint, and returns its response. Any other
shape gets FastAPI's own handler; so does every request while the app has a dependency override or while
FastAPI's native telemetry records the request. Errors raised by the dependency or the endpoint propagate
exactly as from FastAPI's handler, to the same exception handlers.

A FastAPI route class (`APIRouter(route_class=GuardedRoute)`): applications may use it for their routes too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.routing import APIRoute
from fastapi.security import SecurityScopes
from fastapi.telemetry import get_telemetry_data

from rbac_api.rest.deps import PrincipalDependency

try:
    from fastapi.routing import _effective_route_context_var as _context_var
except ImportError:  # a FastAPI without included-route contexts: the route is what it serves
    _served_as: ContextVar[Any] | None = None
else:
    _served_as = _context_var
try:  # the scopes FastAPI itself passes in `SecurityScopes`
    from fastapi.dependencies.models import _get_oauth_scopes as _fastapi_scopes
except ImportError:  # a FastAPI that works them out elsewhere: its own handler for every route
    _scopes_of: Callable[..., list[str]] | None = None
else:
    _scopes_of = _fastapi_scopes

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
#: What the endpoint may take: nothing else FastAPI would have to supply.
_OTHER_PARAMETERS = (
    "path_params",
    "query_params",
    "header_params",
    "cookie_params",
    "body_params",
)
_OTHER_SPECIAL = (
    "websocket_param_name",
    "http_connection_param_name",
    "response_param_name",
    "background_tasks_param_name",
    "security_scopes_param_name",
)


class GuardedRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        standard = super().get_route_handler()
        context = _served_as.get() if _served_as is not None else None
        served: Any = context if context is not None and context.original_route is self else self
        return direct_handler(served, standard) or standard


def direct_handler(served: Any, standard: Handler) -> Handler | None:
    """The direct handler for `served` (a route, or FastAPI's view of it as included), when its shape
    allows one; None otherwise."""
    dependant: Dependant = served.dependant
    if _scopes_of is None:
        return None
    if not _plain_endpoint(served, dependant) or len(dependant.dependencies) != 1:
        return None
    guard = dependant.dependencies[0]
    if not _plain_guard(guard):
        return None
    dependency: PrincipalDependency = guard.call  # type: ignore[assignment]
    scopes = SecurityScopes(scopes=_scopes_of(dependant=guard))
    request_name, scopes_name = guard.request_param_name, guard.security_scopes_param_name
    endpoint = dependant.call
    endpoint_request, principal_name = dependant.request_param_name, guard.name
    provider = served.dependency_overrides_provider

    async def handler(request: Request) -> Response:
        if (provider is not None and getattr(provider, "dependency_overrides", None)) or (
            get_telemetry_data() is not None
        ):
            return await standard(request)
        principal = await dependency(**{request_name: request, scopes_name: scopes})  # type: ignore[arg-type]
        values: dict[str, Any] = {principal_name: principal}  # type: ignore[dict-item]
        if endpoint_request is not None:
            values[endpoint_request] = request
        response = await endpoint(**values)  # type: ignore[misc]
        if not isinstance(response, Response):
            name = getattr(endpoint, "__qualname__", endpoint)
            raise TypeError(
                f"{name} is annotated to return a Response but returned {type(response).__name__}: return "
                "a Response, or annotate the type it returns so that FastAPI's handler serializes it"
            )
        return response

    return handler


def _plain_endpoint(served: Any, dependant: Dependant) -> bool:
    """An `async def` endpoint with no parameter FastAPI must read, no body, no streaming, returning a
    `Response` by its annotation."""
    endpoint = dependant.call
    if endpoint is None or not inspect.iscoroutinefunction(endpoint):
        return False
    if any(getattr(dependant, name) for name in _OTHER_PARAMETERS + _OTHER_SPECIAL):
        return False
    if served.body_field is not None or getattr(served, "is_sse_stream", False):
        return False
    if getattr(served, "is_json_stream", False) or getattr(served, "stream_item_field", None) is not None:
        return False
    returned = get_typed_return_annotation(endpoint)
    return inspect.isclass(returned) and issubclass(returned, Response)


def _plain_guard(guard: Dependant) -> bool:
    """Our principal dependency itself (not a subclass changing its call), taking the request and the
    scopes and nothing else, with no limit on concurrency."""
    call = guard.call
    if not isinstance(call, PrincipalDependency) or type(call).__call__ is not PrincipalDependency.__call__:
        return False
    if guard.dependencies or guard.concurrency is not None or guard.name is None:
        return False
    if any(getattr(guard, name) for name in _OTHER_PARAMETERS):
        return False
    special = ("websocket_param_name", "http_connection_param_name", "response_param_name")
    if any(getattr(guard, name) for name in (*special, "background_tasks_param_name")):
        return False
    return guard.request_param_name is not None and guard.security_scopes_param_name is not None
