"""`POST /token`: the OAuth2 password grant, answering every failure in RFC 6749 §5.2 shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from rbac_api.core.errors import BadCredentials, InvalidScope
from rbac_api.rest.deps import RbacDep
from rbac_api.rest.schemas import TokenOut
from rbac_api.rest.targets import public_route
from rbac_api.services.login import login, parse_scope_parameter

router = APIRouter(tags=["auth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_FIELDS = ("grant_type", "username", "password", "scope")

_TOKEN_FORM_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            _FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "username", "password"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                        "scope": {"type": "string", "description": "Scopes separated by single spaces"},
                    },
                }
            }
        },
    }
}


class OAuthError(Exception):
    """A token-endpoint failure; `status` is 400 except for client authentication (401)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=_NO_STORE)


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in with a password (OAuth2 password grant)",
    openapi_extra=public_route("the login: it is how a caller gets a token", **_TOKEN_FORM_SCHEMA),
    responses={400: {"description": "RFC 6749 §5.2 error: invalid_request, invalid_grant, invalid_scope..."}},
)
async def issue_token(request: Request, rbac: RbacDep) -> JSONResponse:
    try:
        fields = _fields(await _read_form(request))
        scopes = parse_scope_parameter(fields["scope"])
        issued = await login(rbac, username=fields["username"], password=fields["password"], scopes=scopes)
    except OAuthError as exc:
        return exc.response()
    except InvalidScope as exc:
        return OAuthError("invalid_scope", exc.message).response()
    except BadCredentials as exc:
        return OAuthError("invalid_grant", exc.message).response()
    body = TokenOut(access_token=issued.token, expires_in=issued.expires_in, scope=" ".join(issued.scopes))
    return JSONResponse(body.model_dump(), headers=_NO_STORE)


async def _read_form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM:
        raise OAuthError(
            "invalid_request",
            f"send the token request as {_FORM} form fields, not {content_type or 'an empty body'}",
        )
    try:
        return await request.form()
    except Exception:  # a malformed body is the client's error, never a 500
        raise OAuthError("invalid_request", "the form body could not be parsed") from None


def _fields(form: FormData) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in _FIELDS:
        given = form.getlist(name)
        if len(given) > 1:
            raise OAuthError("invalid_request", f"parameter {name!r} was sent more than once")
        value = given[0] if given else None
        if not isinstance(value, str):
            value = None
        if value is None and name != "scope":
            raise OAuthError("invalid_request", f"missing required parameter {name!r}")
        values[name] = value or ""
    if values["grant_type"] != "password":
        raise OAuthError(
            "unsupported_grant_type", f"grant_type {values['grant_type']!r} is not supported; use 'password'"
        )
    return values
