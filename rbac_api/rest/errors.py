"""One table from domain errors to HTTP: status, RFC 6750 challenge, JSON body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from rbac_api.core.errors import (
    BadCredentials,
    BadRequest,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    RbacError,
    Unavailable,
)
from rbac_api.rest.methods import allowed_methods
from rbac_api.transport.refusals import TOO_DEEP_MESSAGE, is_graphql_request, refusal_body, route_path

_STATUS: dict[type[RbacError], int] = {
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    BadCredentials: 400,
    BadRequest: 400,
    RateLimited: 429,
    Unavailable: 503,
}


def error_response(exc: RbacError) -> JSONResponse:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
    headers: dict[str, str] = {}
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if exc.token_sent else "Bearer"
    elif isinstance(exc, PermissionDenied):
        needed = " ".join(sorted(exc.required))
        headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{needed}"'
        body["missing_scopes"] = sorted(exc.missing)
        body["required_scopes"] = sorted(exc.required)
    elif isinstance(exc, RateLimited | Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, InvalidInput):
        location = ["body", exc.field] if exc.field else ["body"]
        body["detail"] = [{"loc": location, "msg": exc.message, "type": "value_error"}]
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RbacError)
    return error_response(exc)


async def _bad_request(request: Request, exc: Exception) -> JSONResponse:
    """A refused request, GraphQL-shaped under /graphql: it can reach no resolver to carry the error."""
    assert isinstance(exc, BadRequest)
    if is_graphql_request(request.scope):
        return JSONResponse(refusal_body(request.scope, exc.message, exc.code), status_code=400)
    return error_response(exc)


#: Why FastAPI could not parse a JSON body, by the exception behind its 400 "There was an error parsing
#: the body" (a JSON syntax error is already a 422 `json_invalid`).
_UNPARSABLE: dict[type[BaseException], str] = {
    RecursionError: TOO_DEEP_MESSAGE,
    UnicodeDecodeError: "Request body is not UTF-8; send JSON encoded in UTF-8 (RFC 8259)",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except for two things it gets wrong. A body it cannot parse is one answer
    whatever the reason, the 422 `json_invalid` that it gives for a JSON syntax error and that the OpenAPI
    document declares: FastAPI turns every other parse failure into a bare, undocumented 400. And a 405
    names every method of its path."""
    assert isinstance(exc, HTTPException)
    cause = exc.__cause__
    unparsable = _UNPARSABLE.get(type(cause)) if exc.status_code == 400 and cause is not None else None
    if unparsable is not None:
        return _unparsable_body(unparsable)
    if exc.status_code == 405:
        return _method_not_allowed(request)
    return await http_exception_handler(request, exc)


def _unparsable_body(message: str) -> JSONResponse:
    """422 in the shape of FastAPI's answer to a JSON syntax error."""
    return JSONResponse({"detail": [{"loc": ["body"], "msg": message, "type": "json_invalid"}]}, 422)


def _method_not_allowed(request: Request) -> JSONResponse:
    """405 with every method the path answers in `Allow`, not only those of the first route matched."""
    path = route_path(request.scope)
    allow = allowed_methods(request.app).allow(path)
    message = f"{request.method} is not allowed on {path}; it answers {allow}"
    body = refusal_body(request.scope, message, "BAD_REQUEST")
    return JSONResponse(body, status_code=405, headers={"Allow": allow})


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, minus the echoed `input`: it would send a rejected password back in the response."""
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in error.items() if k in ("loc", "msg", "type")} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RbacError, _domain_error)
    app.add_exception_handler(BadRequest, _bad_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


#: What every operation may answer before it runs (`BodyLimit`, for a body of any method); declared on
#: every route `assemble_app` includes, an application's own too.
TRANSPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"description": "Request body larger than RBAC_MAX_BODY_BYTES"},
}

#: For `responses=` on protected routes, so the OpenAPI document declares what clients will meet.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "More than one Authorization header"},
    401: {"description": "Missing, invalid or expired token (WWW-Authenticate: Bearer)"},
    403: {"description": "Valid token without the required scopes; `missing_scopes` names them"},
    503: {"description": "The database is unavailable; retry after `Retry-After` seconds"},
}
