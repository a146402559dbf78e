"""Account operations shared by REST and GraphQL: one place for each rule (sign-up, escalation...)."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio

from rbac_api.errors import InvalidInput, NotAuthenticated, NotFound
from rbac_api.passwords import password_problem
from rbac_api.principal import Principal
from rbac_api.runtime import Rbac
from rbac_api.store.usernames import RESERVED_USERNAMES, normalize_username
from rbac_api.store.users import UserRecord

USERS_WRITE = frozenset({"users:write"})


def lookup_name(username: str) -> str:
    """The stored spelling of `username`; a name that cannot exist is simply not found."""
    try:
        return normalize_username(username)
    except InvalidInput:
        raise NotFound(f"user {username!r} not found") from None


def require_password(password: str, *, field: str = "password") -> None:
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, field=field)


async def get_account(rbac: Rbac, username: str) -> UserRecord:
    return await anyio.to_thread.run_sync(rbac.users.get, lookup_name(username))


async def own_account(rbac: Rbac, principal: Principal) -> UserRecord:
    """The caller's record, from the same bounded cache authentication uses."""
    state = await rbac.user_states.get(int(principal.subject))
    if state is None:  # deleted between authentication and now
        raise NotAuthenticated(token_sent=True)
    return state.record


async def list_accounts(rbac: Rbac, *, limit: int, cursor: str | None) -> tuple[list[UserRecord], str | None]:
    return await anyio.to_thread.run_sync(partial(rbac.users.page, limit=limit, cursor=cursor))


async def create_account(
    rbac: Rbac,
    principal: Principal,
    *,
    username: str,
    password: str,
    email: str | None,
    full_name: str | None,
    roles: list[str] | None,
) -> UserRecord:
    """Sign up (when `RBAC_ALLOW_SIGNUP` is on) or, with `users:write`, create any user with roles."""
    granted_roles = _roles_for_new_user(rbac, principal, roles)
    name = normalize_username(username)
    if name in RESERVED_USERNAMES:
        raise InvalidInput(f"username {name!r} is reserved", field="username")
    require_password(password)
    password_hash = await rbac.hasher.hash(password)
    create = partial(
        rbac.users.create,
        username=name,
        password_hash=password_hash,
        email=email,
        full_name=full_name,
        roles=granted_roles,
    )
    return await anyio.to_thread.run_sync(create)


def _roles_for_new_user(rbac: Rbac, principal: Principal, asked: list[str] | None) -> list[str]:
    policy = rbac.engine.policy
    administrator = principal.is_authenticated and rbac.engine.check(principal, USERS_WRITE).allowed
    if not administrator:
        if not rbac.settings.allow_signup:
            if not principal.is_authenticated:
                raise NotAuthenticated("Sign-up is closed: log in as a user with users:write to create users")
            rbac.require(principal, USERS_WRITE, target="create user")
        if asked is not None:
            raise InvalidInput("roles can only be set by a caller with users:write", field="roles")
        return [policy.default_role]
    roles = [policy.default_role] if asked is None else asked
    for role in roles:
        if role not in policy.roles:
            raise InvalidInput(f"unknown role {role!r}; GET /roles lists them", field="roles")
    # No privilege escalation: a caller cannot hand out scopes it does not hold itself.
    rbac.require(principal, policy.granted(frozenset(roles)), target="create user with roles")
    return roles


async def update_account(rbac: Rbac, username: str, changes: dict[str, Any]) -> UserRecord:
    """Change `email`, `full_name` or `disabled`; a disabled user's tokens stop at once on this instance."""
    if "disabled" in changes and not isinstance(changes["disabled"], bool):
        raise InvalidInput("disabled must be true or false", field="disabled")
    record = await anyio.to_thread.run_sync(partial(rbac.users.update, lookup_name(username), **changes))
    rbac.user_changed(record.id)
    return record


async def update_profile(rbac: Rbac, principal: Principal, changes: dict[str, Any]) -> UserRecord:
    unknown = set(changes) - {"email", "full_name"}
    if unknown:
        fields = ", ".join(sorted(unknown))
        raise InvalidInput(f"cannot change {fields} of your own account", field=min(unknown))
    return await update_account(rbac, principal.username, changes)


async def delete_account(rbac: Rbac, username: str) -> UserRecord:
    record = await anyio.to_thread.run_sync(rbac.users.delete, lookup_name(username))
    rbac.user_changed(record.id)
    return record


async def change_password(rbac: Rbac, principal: Principal, *, old: str, new: str) -> None:
    """Replace the caller's password; bumps token_version, which ends every live token of theirs."""
    require_password(new)
    found = await anyio.to_thread.run_sync(rbac.users.credentials, principal.username)
    if found is None:
        raise NotAuthenticated(token_sent=True)
    record, stored = found
    if not (await rbac.hasher.verify(old, stored)).ok:
        raise InvalidInput("old_password does not match the current password", field="old_password")
    new_hash = await rbac.hasher.hash(new)
    await anyio.to_thread.run_sync(partial(rbac.users.set_password, record.id, new_hash, revoke_tokens=True))
    rbac.user_changed(record.id)


async def assign_role(rbac: Rbac, principal: Principal, username: str, role: str) -> UserRecord:
    require_grantable(rbac, principal, role)
    record = await anyio.to_thread.run_sync(rbac.users.add_role, lookup_name(username), role)
    rbac.user_changed(record.id)
    return record


async def revoke_role(rbac: Rbac, principal: Principal, username: str, role: str) -> UserRecord:
    # A role the policy no longer defines grants nothing, so anyone with roles:assign may clean it up.
    if role in rbac.engine.policy.roles:
        require_grantable(rbac, principal, role)
    record = await anyio.to_thread.run_sync(rbac.users.remove_role, lookup_name(username), role)
    rbac.user_changed(record.id)
    return record


def require_grantable(rbac: Rbac, principal: Principal, role: str) -> None:
    """A caller may only grant or revoke a role whose scopes it holds itself."""
    definition = rbac.engine.policy.roles.get(role)
    if definition is None:
        raise NotFound(f"role {role!r} not found; GET /roles lists them")
    rbac.require(principal, definition.effective_scopes, target=f"assign role {role}")
