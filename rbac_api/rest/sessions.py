"""Ending sessions: `POST /revoke` (RFC 7009), the caller's own sessions, and an administrator's sign-out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response, Security

from rbac_api.core.errors import RbacError
from rbac_api.core.principal import Principal
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.oauth import (
    FORM,
    NO_STORE,
    OAuthError,
    client_credentials,
    oauth_error,
    read_form,
    required_field,
)
from rbac_api.rest.schemas import SessionOut
from rbac_api.rest.targets import public_route
from rbac_api.services import accounts, sessions
from rbac_api.services.authentication import authorization_header
from rbac_api.services.clients import authenticate_client
from rbac_api.store.sessions import SessionRecord

router = APIRouter(tags=["sessions"], route_class=GuardedRoute)

ProfileReader = Annotated[Principal, Security(current_principal, scopes=["profile:read"])]
ProfileWriter = Annotated[Principal, Security(current_principal, scopes=["profile:write"])]
UsersWriter = Annotated[Principal, Security(current_principal, scopes=["users:write"])]

_REVOKE_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["token"],
                    "properties": {
                        "token": {"type": "string", "description": "An access or refresh token"},
                        "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/revoke",
    status_code=200,
    summary="End the session of an access or refresh token (RFC 7009)",
    openapi_extra=public_route(
        "RFC 7009: holding the token is what entitles a client to end it", **_REVOKE_FORM
    ),
    responses={
        200: {"description": "Revoked, or there was nothing to revoke (the answer does not say which)"},
        400: {"description": "invalid_request: no token parameter, or not a form body"},
        401: {"description": "invalid_client: client credentials that do not hold"},
        503: {"description": "temporarily_unavailable: the database is down; retry after Retry-After"},
    },
)
async def revoke(request: Request, rbac: RbacDep) -> Response:
    try:
        form = await read_form(request)
        token = required_field(form, "token")
        await authenticate_client(rbac, client_credentials(authorization_header(request.headers), form))
        await sessions.revoke_token(rbac, token)
    except OAuthError as exc:
        return exc.response()
    except RbacError as exc:
        return oauth_error(exc).response()
    return Response(status_code=200, headers=NO_STORE)


@router.get("/users/me/sessions", response_model=list[SessionOut], responses=AUTH_RESPONSES)
async def my_sessions(rbac: RbacDep, principal: ProfileReader) -> list[SessionOut]:
    """Your live sessions (logins that can still be refreshed), newest first; never a token."""
    found = await sessions.live_sessions(rbac, principal)
    return [session_out(record, principal) for record in found]


@router.delete(
    "/users/me/sessions/{session_id}",
    status_code=204,
    responses={**AUTH_RESPONSES, 404: {"description": "No such session of yours"}},
)
async def end_my_session(rbac: RbacDep, session_id: str, principal: ProfileWriter) -> Response:
    """End one of your sessions: its refresh token stops at once, its access tokens within the bound."""
    await sessions.end_own_session(rbac, principal, session_id)
    return Response(status_code=204)


@router.post(
    "/users/{username}/sessions/revoke",
    status_code=204,
    responses={**AUTH_RESPONSES, 404: {"description": "No such user"}},
)
async def end_user_sessions(rbac: RbacDep, username: str, principal: UsersWriter) -> Response:
    """Sign a user out everywhere: every session and access token of theirs ends."""
    await accounts.end_sessions(rbac, principal, username)
    return Response(status_code=204)


def session_out(record: SessionRecord, principal: Principal) -> SessionOut:
    return SessionOut(
        id=record.public_id,
        created_at=_time(record.created_at),
        last_refreshed_at=_time(record.last_refreshed_at),
        expires_at=_time(record.expires_at),
        client_address=record.client_address,
        user_agent=record.user_agent,
        current=record.public_id == principal.session_id,
    )


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
