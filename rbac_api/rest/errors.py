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
from rbac_api.transport.refusals import TOO_DEEP_MESSAGE, is_graphql_request, refusal_body

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


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer, except that a body too deeply nested to parse says so: FastAPI turns every
    parse failure other than bad JSON syntax into 'There was an error parsing the body'."""
    assert isinstance(exc, HTTPException)
    if isinstance(exc.__cause__, RecursionError):
        return JSONResponse({"detail": TOO_DEEP_MESSAGE}, status_code=400)
    return await http_exception_handler(request, exc)


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


#: For `responses=` on protected routes, so the OpenAPI document declares what clients will meet.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "More than one Authorization header"},
    401: {"description": "Missing, invalid or expired token (WWW-Authenticate: Bearer)"},
    403: {"description": "Valid token without the required scopes; `missing_scopes` names them"},
    503: {"description": "The database is unavailable; retry after `Retry-After` seconds"},
}
