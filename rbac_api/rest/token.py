"""`POST /token`: the OAuth2 password, refresh-token and client-credentials grants, every failure in
RFC 6749 §5.2 shape.

The password grant is for first-party clients only (RFC 9700 §2.4): the service's own GraphQL and REST
clients log in with it. Scripts use personal API tokens; services use a service account's client with the
client-credentials grant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData

from rbac_api.core.errors import InvalidClient, RbacError
from rbac_api.rest.deps import RbacDep
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.oauth import (
    FORM,
    NO_STORE,
    OAuthError,
    client_credentials,
    oauth_error,
    optional_field,
    read_form,
    required_field,
)
from rbac_api.rest.schemas import TokenOut
from rbac_api.rest.targets import public_route
from rbac_api.runtime import Rbac
from rbac_api.services.authentication import authorization_header
from rbac_api.services.clients import authenticate_client, client_credentials_grant
from rbac_api.services.login import login, parse_scope_parameter
from rbac_api.services.sessions import Client, TokenPair, refresh_session
from rbac_api.store.service_clients import ServiceClient
from rbac_api.transport.clients import client_of

router = APIRouter(tags=["auth"], route_class=GuardedRoute)

Grant = Callable[[Rbac, FormData, Client, ServiceClient | None], Awaitable[TokenPair]]

_TOKEN_FORM_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {
                            "type": "string",
                            "enum": ["password", "refresh_token", "client_credentials"],
                        },
                        "username": {"type": "string", "description": "password grant"},
                        "password": {"type": "string", "format": "password", "description": "password grant"},
                        "refresh_token": {"type": "string", "description": "refresh_token grant"},
                        "scope": {"type": "string", "description": "Scopes separated by single spaces"},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string", "format": "password"},
                    },
                }
            }
        },
    }
}


async def _password(rbac: Rbac, form: FormData, client: Client, service: ServiceClient | None) -> TokenPair:
    _public_clients_only(service, "password")
    username, password = required_field(form, "username"), required_field(form, "password")
    scopes = parse_scope_parameter(optional_field(form, "scope") or "")
    return await login(rbac, username=username, password=password, scopes=scopes, client=client)


async def _refresh(rbac: Rbac, form: FormData, _client: Client, service: ServiceClient | None) -> TokenPair:
    _public_clients_only(service, "refresh_token")
    token = required_field(form, "refresh_token")
    scopes = parse_scope_parameter(optional_field(form, "scope") or "")
    return await refresh_session(rbac, refresh_token=token, scopes=scopes)


async def _client_credentials(
    rbac: Rbac, form: FormData, client: Client, service: ServiceClient | None
) -> TokenPair:
    if service is None:
        raise InvalidClient(
            "grant_type=client_credentials needs the client to authenticate: HTTP Basic with the service "
            "account's client_id and client_secret, or both as form fields",
            basic=True,
        )
    scopes = parse_scope_parameter(optional_field(form, "scope") or "")
    return await client_credentials_grant(rbac, service, scopes=scopes, origin=client)


def _public_clients_only(service: ServiceClient | None, grant: str) -> None:
    """A service account's client has no password and no refresh token: RFC 6749 §5.2."""
    if service is not None:
        raise OAuthError(
            "unauthorized_client",
            f"a service account's client may not use grant_type={grant}; use grant_type=client_credentials",
        )


GRANTS: dict[str, Grant] = {
    "password": _password,
    "refresh_token": _refresh,
    "client_credentials": _client_credentials,
}


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Get tokens: password (first-party clients), refresh-token or client-credentials grant",
    description=(
        "RFC 6749 token endpoint. `grant_type=password` with `username` and `password` is for the "
        "service's own first-party clients (RFC 9700); scripts and third parties should use API tokens. "
        "`grant_type=refresh_token` rotates the refresh token. `grant_type=client_credentials` (a service "
        "account's client, authenticated by HTTP Basic or form fields) returns an access token only. "
        "Errors follow RFC 6749 §5.2."
    ),
    openapi_extra=public_route("the login: it is how a caller gets a token", **_TOKEN_FORM_SCHEMA),
    responses={
        400: {
            "description": "RFC 6749 §5.2 error: invalid_request, invalid_grant, invalid_scope, "
            "unauthorized_client, unsupported_grant_type"
        },
        401: {"description": "invalid_client: client credentials that do not hold"},
        429: {"description": "Too many failed logins (slow_down); Retry-After says when to try again"},
        503: {"description": "temporarily_unavailable: the database is down; retry after Retry-After"},
    },
)
async def issue_token(request: Request, rbac: RbacDep) -> JSONResponse:
    try:
        form = await read_form(request)
        grant = GRANTS.get(required_field(form, "grant_type"))
        if grant is None:
            raise OAuthError(
                "unsupported_grant_type",
                f"grant_type {form.get('grant_type')!r} is not supported; use one of {', '.join(GRANTS)}",
            )
        service = await authenticate_client(
            rbac, client_credentials(authorization_header(request.headers), form)
        )
        pair = await grant(rbac, form, client_of(request), service)
    except OAuthError as exc:
        return exc.response()
    except RbacError as exc:
        return oauth_error(exc).response()
    return JSONResponse(token_body(pair), headers=NO_STORE)


def token_body(pair: TokenPair) -> dict[str, Any]:
    access = pair.access
    body = TokenOut(
        access_token=access.token,
        expires_in=access.expires_in,
        scope=" ".join(access.scopes),
        refresh_token=pair.refresh_token,
    )
    return body.model_dump(exclude_none=True)
