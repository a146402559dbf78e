"""One table from domain errors to HTTP: status, RFC 6750 challenge, JSON body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from rbac_api.errors import (
    BadCredentials,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RbacError,
)

_STATUS: dict[type[RbacError], int] = {
    NotAuthenticated: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    BadCredentials: 400,
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
    elif isinstance(exc, InvalidInput):
        location = ["body", exc.field] if exc.field else ["body"]
        body["detail"] = [{"loc": location, "msg": exc.message, "type": "value_error"}]
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RbacError)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, minus the echoed `input`: it would send a rejected password back in the response."""
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in error.items() if k in ("loc", "msg", "type")} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RbacError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


#: For `responses=` on protected routes, so the OpenAPI document declares what clients will meet.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired token (WWW-Authenticate: Bearer)"},
    403: {"description": "Valid token without the required scopes; `missing_scopes` names them"},
}
