"""Personal API tokens (`/users/me/api-tokens`) and an administrator's view of anyone's
(`/users/{username}/api-tokens`); service accounts (`/service-accounts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from rbac_api.rest.deps import CurrentPrincipal, RbacDep
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.oauth import NO_STORE
from rbac_api.rest.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    ClientSecretRotated,
    ServiceAccountCreate,
    ServiceAccountCreated,
)
from rbac_api.rest.users import UsersWriter
from rbac_api.services import api_tokens, service_accounts

router = APIRouter(tags=["api tokens"], responses=AUTH_RESPONSES, route_class=GuardedRoute)

TokenId = Path(ge=1, le=api_tokens.MAX_TOKEN_ID, description="The `id` the listing shows")
NO_TOKEN: dict[int | str, dict[str, Any]] = {404: {"description": "No such user, or no such token of theirs"}}
CREATED: dict[int | str, dict[str, Any]] = {
    409: {"description": "A token of that name exists, or the account holds the most tokens allowed"}
}


@router.post("/users/me/api-tokens", status_code=201, response_model=ApiTokenCreated, responses=CREATED)
async def create_api_token(rbac: RbacDep, body: ApiTokenCreate, principal: CurrentPrincipal) -> JSONResponse:
    """Create a token for scripts with some of your scopes; its secret is in this answer and nowhere else.

    Needs a login (an API token cannot create tokens) and no particular scope: a token never holds a
    scope its creator lacks (403), so it adds no power, only a credential a script can hold.
    """
    created = await api_tokens.create_api_token(
        rbac, principal, name=body.name, scopes=body.scopes, expires_in_days=body.expires_in_days
    )
    record = created.record
    answer = ApiTokenCreated(
        id=record.id,
        name=record.name,
        token=created.token,
        scopes=record.scope_list,
        expires_at=record.expires,
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=201, headers=NO_STORE)


@router.get("/users/me/api-tokens", response_model=list[ApiTokenOut])
async def my_api_tokens(rbac: RbacDep, principal: CurrentPrincipal) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(record) for record in await api_tokens.own_tokens(rbac, principal)]


@router.delete("/users/me/api-tokens/{token_id}", status_code=204, responses=NO_TOKEN)
async def revoke_my_api_token(
    rbac: RbacDep, principal: CurrentPrincipal, token_id: int = TokenId
) -> Response:
    """Revoke one of your tokens: refused at once on this instance, on others within
    RBAC_USER_CACHE_SECONDS."""
    await api_tokens.revoke_own(rbac, principal, token_id)
    return Response(status_code=204)


@router.get("/users/{username}/api-tokens", response_model=list[ApiTokenOut], responses=NO_TOKEN)
async def api_tokens_of(rbac: RbacDep, username: str, _principal: UsersWriter) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(record) for record in await api_tokens.tokens_of(rbac, username)]


@router.delete("/users/{username}/api-tokens/{token_id}", status_code=204, responses=NO_TOKEN)
async def revoke_api_token_of(
    rbac: RbacDep, username: str, principal: UsersWriter, token_id: int = TokenId
) -> Response:
    await api_tokens.revoke_of(rbac, principal, username, token_id)
    return Response(status_code=204)


@router.post(
    "/service-accounts",
    status_code=201,
    response_model=ServiceAccountCreated,
    tags=["service accounts"],
    responses={409: {"description": "The name is taken"}},
)
async def create_service_account(
    rbac: RbacDep, body: ServiceAccountCreate, principal: UsersWriter
) -> JSONResponse:
    """A program's account and its OAuth2 client; the secret is in this answer and nowhere else.

    Giving roles needs `roles:assign` too, and only roles whose scopes you hold.
    """
    created = await service_accounts.create_service_account(rbac, principal, name=body.name, roles=body.roles)
    answer = ServiceAccountCreated(
        name=created.account.username,
        roles=list(created.account.roles),
        client_id=created.client_id,
        client_secret=created.client_secret,
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=201, headers=NO_STORE)


@router.post(
    "/service-accounts/{name}/secret",
    response_model=ClientSecretRotated,
    tags=["service accounts"],
    responses={404: {"description": "No such service account"}},
)
async def rotate_client_secret(rbac: RbacDep, name: str, principal: UsersWriter) -> JSONResponse:
    """A new client secret; the previous one works until `previous_secret_expires_at`
    (RBAC_CLIENT_SECRET_OVERLAP_SECONDS), so clients can move over without an outage."""
    rotated = await service_accounts.rotate_secret(rbac, principal, name)
    answer = ClientSecretRotated(
        client_id=rotated.client_id,
        client_secret=rotated.client_secret,
        previous_secret_expires_at=datetime.fromtimestamp(rotated.previous_secret_expires_at, UTC),
    )
    return JSONResponse(answer.model_dump(mode="json"), headers=NO_STORE)
