"""User accounts over REST: sign-up, the caller's own profile, and administration."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Response, Security

from rbac_api.errors import InvalidInput, NotAuthenticated, NotFound
from rbac_api.principal import Principal
from rbac_api.rest.deps import RbacDep, current_principal, optional_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.schemas import ProfileUpdate, UserCreate, UserOut, UserPage, UserUpdate
from rbac_api.runtime import Rbac
from rbac_api.store.usernames import RESERVED_USERNAMES, normalize_username
from rbac_api.store.users import UserRecord

router = APIRouter(prefix="/users", tags=["users"], responses=AUTH_RESPONSES)

USERS_WRITE = frozenset({"users:write"})


ProfileReader = Annotated[Principal, Security(current_principal, scopes=["profile:read"])]
ProfileWriter = Annotated[Principal, Security(current_principal, scopes=["profile:write"])]
UsersReader = Annotated[Principal, Security(current_principal, scopes=["users:read"])]
UsersWriter = Annotated[Principal, Security(current_principal, scopes=["users:write"])]
RoleAssigner = Annotated[Principal, Security(current_principal, scopes=["roles:assign"])]


@router.get("/me", response_model=UserOut)
async def read_me(rbac: RbacDep, principal: ProfileReader) -> UserOut:
    state = await rbac.user_states.get(int(principal.subject))
    if state is None:  # deleted between authentication and now
        raise NotAuthenticated(token_sent=True)
    return UserOut.of(state.record)


@router.patch("/me", response_model=UserOut)
async def update_me(rbac: RbacDep, body: ProfileUpdate, principal: ProfileWriter) -> UserOut:
    username = principal.username
    if body.password is not None and body.old_password is not None:
        await _change_password(rbac, username, old=body.old_password, new=body.password)
    changes = body.model_dump(include={"email", "full_name"}, exclude_unset=True)
    record = await anyio.to_thread.run_sync(partial(rbac.users.update, username, **changes))
    rbac.user_changed(record.id)
    return UserOut.of(record)


async def _change_password(rbac: Rbac, username: str, *, old: str, new: str) -> None:
    found = await anyio.to_thread.run_sync(rbac.users.credentials, username)
    if found is None:
        raise NotAuthenticated(token_sent=True)
    record, stored = found
    if not (await rbac.hasher.verify(old, stored)).ok:
        raise InvalidInput("old_password does not match the current password", field="old_password")
    new_hash = await rbac.hasher.hash(new)
    # Bumping token_version ends every live token of this user, this request's included.
    await anyio.to_thread.run_sync(partial(rbac.users.set_password, record.id, new_hash, revoke_tokens=True))
    rbac.user_changed(record.id)


@router.post("", response_model=UserOut, status_code=201, responses={409: {"description": "Username taken"}})
async def create_user(
    rbac: RbacDep, body: UserCreate, principal: Annotated[Principal, Security(optional_principal)]
) -> UserOut:
    """Sign up (when `RBAC_ALLOW_SIGNUP` is on) or, with `users:write`, create any user with roles."""
    roles = _roles_for_new_user(rbac, principal, body.roles)
    username = normalize_username(body.username)
    if username in RESERVED_USERNAMES:
        raise InvalidInput(f"username {username!r} is reserved", field="username")
    password_hash = await rbac.hasher.hash(body.password)
    create = partial(
        rbac.users.create,
        username=username,
        password_hash=password_hash,
        email=body.email,
        full_name=body.full_name,
        roles=roles,
    )
    return UserOut.of(await anyio.to_thread.run_sync(create))


def _roles_for_new_user(rbac: Rbac, principal: Principal, asked: list[str] | None) -> list[str]:
    policy = rbac.engine.policy
    administrator = principal.is_authenticated and rbac.engine.check(principal, USERS_WRITE).allowed
    if not administrator:
        if not rbac.settings.allow_signup:
            if not principal.is_authenticated:
                raise NotAuthenticated("Sign-up is closed: log in as a user with users:write to create users")
            rbac.require(principal, USERS_WRITE, target="POST /users")
        if asked is not None:
            raise InvalidInput("roles can only be set by a caller with users:write", field="roles")
        return [policy.default_role]
    roles = [policy.default_role] if asked is None else asked
    for role in roles:
        if role not in policy.roles:
            raise InvalidInput(f"unknown role {role!r}; GET /roles lists them", field="roles")
    # No privilege escalation: a caller cannot hand out scopes it does not hold itself.
    rbac.require(principal, policy.granted(frozenset(roles)), target="POST /users roles")
    return roles


@router.get("", response_model=UserPage)
async def list_users(
    rbac: RbacDep,
    _principal: UsersReader,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> UserPage:
    records, next_cursor = await anyio.to_thread.run_sync(
        partial(rbac.users.page, limit=limit, cursor=cursor)
    )
    return UserPage(items=[UserOut.of(r) for r in records], next_cursor=next_cursor)


@router.get("/{username}", response_model=UserOut, responses={404: {"description": "No such user"}})
async def read_user(rbac: RbacDep, username: str, _principal: UsersReader) -> UserOut:
    return UserOut.of(await _load(rbac, username))


@router.patch("/{username}", response_model=UserOut, responses={404: {"description": "No such user"}})
async def update_user(rbac: RbacDep, username: str, body: UserUpdate, _principal: UsersWriter) -> UserOut:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("disabled", False) is None:
        raise InvalidInput("disabled must be true or false", field="disabled")
    record = await anyio.to_thread.run_sync(partial(rbac.users.update, _lookup_name(username), **changes))
    rbac.user_changed(record.id)
    return UserOut.of(record)


@router.delete("/{username}", status_code=204, responses={404: {"description": "No such user"}})
async def delete_user(rbac: RbacDep, username: str, _principal: UsersWriter) -> Response:
    record = await anyio.to_thread.run_sync(rbac.users.delete, _lookup_name(username))
    rbac.user_changed(record.id)
    return Response(status_code=204)


@router.put(
    "/{username}/roles/{role}",
    response_model=UserOut,
    responses={404: {"description": "No such user or role"}},
)
async def assign_role(rbac: RbacDep, username: str, role: str, principal: RoleAssigner) -> UserOut:
    _require_grantable(rbac, principal, role)
    record = await anyio.to_thread.run_sync(rbac.users.add_role, _lookup_name(username), role)
    rbac.user_changed(record.id)
    return UserOut.of(record)


@router.delete(
    "/{username}/roles/{role}", status_code=204, responses={404: {"description": "No such user or role"}}
)
async def revoke_role(rbac: RbacDep, username: str, role: str, principal: RoleAssigner) -> Response:
    if role in rbac.engine.policy.roles:
        _require_grantable(rbac, principal, role)
    record = await anyio.to_thread.run_sync(rbac.users.remove_role, _lookup_name(username), role)
    rbac.user_changed(record.id)
    return Response(status_code=204)


def _require_grantable(rbac: Rbac, principal: Principal, role: str) -> None:
    """A caller may only grant or revoke a role whose scopes it holds itself."""
    definition = rbac.engine.policy.roles.get(role)
    if definition is None:
        raise NotFound(f"role {role!r} not found; GET /roles lists them")
    rbac.require(principal, definition.effective_scopes, target=f"assign role {role}")


def _lookup_name(username: str) -> str:
    try:
        return normalize_username(username)
    except InvalidInput:
        raise NotFound(f"user {username!r} not found") from None


async def _load(rbac: Rbac, username: str) -> UserRecord:
    return await anyio.to_thread.run_sync(rbac.users.get, _lookup_name(username))
