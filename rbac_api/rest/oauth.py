"""What the OAuth2 endpoints (`/token`, `/revoke`) share: forms, client credentials, RFC 6749 errors."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from rbac_api.core.errors import (
    BadCredentials,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    RateLimited,
    RbacError,
    Unavailable,
)
from rbac_api.services.clients import ClientCredentials

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
#: The `WWW-Authenticate` challenge of a 401 `invalid_client` answered to HTTP Basic credentials.
BASIC_CHALLENGE = 'Basic realm="rbac-api", charset="UTF-8"'


class OAuthError(Exception):
    """A token-endpoint failure in RFC 6749 §5.2 shape; `status` 400 unless said otherwise."""

    def __init__(
        self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status
        self.headers = {**NO_STORE, **(headers or {})}

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def oauth_error(exc: RbacError) -> OAuthError:
    """A domain error met while granting a token, as the endpoint answers it."""
    if isinstance(exc, InvalidScope):
        return OAuthError("invalid_scope", exc.message)
    if isinstance(exc, BadCredentials | InvalidGrant):
        return OAuthError("invalid_grant", exc.message)
    if isinstance(exc, InvalidClient):
        challenge = {"WWW-Authenticate": BASIC_CHALLENGE} if exc.basic else {}
        return OAuthError("invalid_client", exc.message, 401, challenge)
    if isinstance(exc, RateLimited):
        # RFC 6749 has no error for throttling; `slow_down` (RFC 8628) says what the client must do.
        return OAuthError("slow_down", exc.message, 429, {"Retry-After": str(exc.retry_after)})
    if isinstance(exc, Unavailable):
        # RFC 6749 §4.1.2.1's code for a server that cannot answer now; clients retry after Retry-After.
        return OAuthError("temporarily_unavailable", exc.message, 503, {"Retry-After": str(exc.retry_after)})
    return OAuthError("invalid_request", exc.message)


async def read_form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise OAuthError(
            "invalid_request",
            f"send the request as {FORM} form fields, not {content_type or 'an empty body'}",
        )
    try:
        return await request.form()
    except Exception:  # a malformed body is the client's error, never a 500
        raise OAuthError("invalid_request", "the form body could not be parsed") from None


def optional_field(form: FormData, name: str) -> str | None:
    """One form parameter, sent at most once (RFC 6749 §3.2); None when absent."""
    given = form.getlist(name)
    if len(given) > 1:
        raise OAuthError("invalid_request", f"parameter {name!r} was sent more than once")
    return given[0] if given and isinstance(given[0], str) else None


def required_field(form: FormData, name: str) -> str:
    value = optional_field(form, name)
    if value is None:
        raise OAuthError("invalid_request", f"missing required parameter {name!r}")
    return value


def client_credentials(authorization: str | None, form: FormData) -> ClientCredentials | None:
    """The client's identity as sent (RFC 6749 §2.3.1): HTTP Basic, or `client_id`/`client_secret`
    fields; None when it sent neither. Both methods at once is `invalid_request`."""
    client_id, secret = optional_field(form, "client_id"), optional_field(form, "client_secret")
    if authorization is None:
        return None if client_id is None and secret is None else ClientCredentials(client_id, secret)
    if client_id is not None or secret is not None:
        raise OAuthError("invalid_request", "authenticate the client one way: HTTP Basic or form fields")
    return _basic(authorization)


def _basic(authorization: str) -> ClientCredentials:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise oauth_error(InvalidClient("only HTTP Basic client authentication is accepted here", basic=True))
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise oauth_error(InvalidClient("malformed HTTP Basic credentials", basic=True)) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise oauth_error(InvalidClient("malformed HTTP Basic credentials", basic=True))
    # RFC 6749 §2.3.1: the id and secret are form-urlencoded before Base64.
    return ClientCredentials(unquote(client_id), unquote(secret), basic=True)
