"""User accounts over REST: thin adapters over `rbac_api.services.accounts`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response, Security

from rbac_api.core.principal import Principal
from rbac_api.rest.deps import RbacDep, current_principal, optional_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.pagination import Cursor, Limit
from rbac_api.rest.responses import ModelResponse
from rbac_api.rest.schemas import ProfileUpdate, UserCreate, UserOut, UserPage, UserUpdate
from rbac_api.rest.targets import public_route
from rbac_api.services import accounts
from rbac_api.transport.clients import client_of

router = APIRouter(prefix="/users", tags=["users"], responses=AUTH_RESPONSES, route_class=GuardedRoute)

ProfileReader = Annotated[Principal, Security(current_principal, scopes=["profile:read"])]
ProfileWriter = Annotated[Principal, Security(current_principal, scopes=["profile:write"])]
UsersReader = Annotated[Principal, Security(current_principal, scopes=["users:read"])]
UsersWriter = Annotated[Principal, Security(current_principal, scopes=["users:write"])]
RoleAssigner = Annotated[Principal, Security(current_principal, scopes=["roles:assign"])]


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such user (or role)"}}
CHANGE: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "Refused: no enabled account would hold roles:assign and users:write"},
}


@router.get("/me", response_model=UserOut)
async def read_me(request: Request, principal: ProfileReader) -> ModelResponse:
    # The busiest route: `request` instead of RbacDep is one dependency fewer to resolve, and
    # ModelResponse skips FastAPI re-validating the model it is given (benchmarks: docs/benchmarks.md).
    record = await accounts.own_account(request.app.state.rbac, principal)
    return ModelResponse(UserOut.of(record))


@router.patch(
    "/me",
    response_model=UserOut,
    responses={
        409: {"description": "The password was changed meanwhile"},
        429: {"description": "Too many wrong old passwords; Retry-After says when to try again"},
    },
)
async def update_me(
    request: Request, rbac: RbacDep, body: ProfileUpdate, principal: ProfileWriter
) -> UserOut:
    """Change your name or email; a password change (with `old_password`) also ends your live tokens and
    sessions."""
    if body.password is not None and body.old_password is not None:
        await accounts.change_password(
            rbac, principal, old=body.old_password, new=body.password, client=client_of(request)
        )
    changes = body.model_dump(include={"email", "full_name"}, exclude_unset=True)
    return UserOut.of(await accounts.update_profile(rbac, principal, changes))


#: Anyone may call it; `accounts.create_account` decides: sign-up (when RBAC_ALLOW_SIGNUP is on, default
#: role only) for anonymous callers, any roles for callers holding `users:write`, 403 for everyone else.
SIGN_UP = public_route("sign-up; the rules are enforced in accounts.create_account")


@router.post(
    "",
    response_model=UserOut,
    status_code=201,
    responses={
        409: {"description": "Username taken"},
        429: {"description": "Too many sign-ups from this address; Retry-After says when to try again"},
    },
    openapi_extra=SIGN_UP,
)
async def create_user(
    request: Request,
    rbac: RbacDep,
    body: UserCreate,
    principal: Annotated[Principal, Security(optional_principal)],
) -> UserOut:
    """Sign up (when `RBAC_ALLOW_SIGNUP` is on) or, with `users:write`, create any user with roles."""
    record = await accounts.create_account(
        rbac,
        principal,
        username=body.username,
        password=body.password,
        email=body.email,
        full_name=body.full_name,
        roles=body.roles,
        client=client_of(request),
    )
    return UserOut.of(record)


@router.get("", response_model=UserPage)
async def list_users(
    rbac: RbacDep,
    _principal: UsersReader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> UserPage:
    records, next_cursor = await accounts.list_accounts(rbac, limit=limit, cursor=cursor)
    return UserPage(items=[UserOut.of(r) for r in records], next_cursor=next_cursor)


@router.get("/{username}", response_model=UserOut, responses=NOT_FOUND)
async def read_user(rbac: RbacDep, username: str, _principal: UsersReader) -> UserOut:
    return UserOut.of(await accounts.get_account(rbac, username))


@router.patch("/{username}", response_model=UserOut, responses=CHANGE)
async def update_user(rbac: RbacDep, username: str, body: UserUpdate, principal: UsersWriter) -> UserOut:
    changes = body.model_dump(exclude_unset=True)
    return UserOut.of(await accounts.update_account(rbac, principal, username, changes))


@router.delete("/{username}", status_code=204, responses=CHANGE)
async def delete_user(rbac: RbacDep, username: str, principal: UsersWriter) -> Response:
    await accounts.delete_account(rbac, principal, username)
    return Response(status_code=204)


@router.put("/{username}/roles/{role}", response_model=UserOut, responses=NOT_FOUND)
async def assign_role(rbac: RbacDep, username: str, role: str, principal: RoleAssigner) -> UserOut:
    return UserOut.of(await accounts.assign_role(rbac, principal, username, role))


@router.delete("/{username}/roles/{role}", status_code=204, responses=CHANGE)
async def revoke_role(rbac: RbacDep, username: str, role: str, principal: RoleAssigner) -> Response:
    await accounts.revoke_role(rbac, principal, username, role)
    return Response(status_code=204)
