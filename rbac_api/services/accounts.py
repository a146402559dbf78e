"""Account operations shared by REST and GraphQL: one place for each rule (sign-up, escalation...)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import anyio

from rbac_api.core.errors import InvalidInput, NotAuthenticated, NotFound
from rbac_api.core.passwords import password_problem
from rbac_api.core.principal import Principal
from rbac_api.policy.model import Policy
from rbac_api.runtime import Rbac
from rbac_api.services.administration import caller_rules, operator_rules
from rbac_api.services.sessions import Client
from rbac_api.store.usernames import new_username, normalize_username
from rbac_api.store.users import UserRecord

USERS_WRITE = frozenset({"users:write"})
ROLES_ASSIGN = frozenset({"roles:assign"})


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
    state = await rbac.user_states.get(own_id(principal))
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
    client: Client,
) -> UserRecord:
    """Sign up (when `RBAC_ALLOW_SIGNUP` is on) or, with `users:write`, create any user with roles.

    Sign-ups are throttled per client address before the password is hashed: each costs a bcrypt hash.
    """
    granted_roles, signup = _roles_for_new_user(rbac, principal, roles)
    name = new_username(username)
    require_password(password)
    if signup:
        await rbac.throttle.check_signup(client.address)
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


def _roles_for_new_user(rbac: Rbac, principal: Principal, asked: list[str] | None) -> tuple[list[str], bool]:
    """The new user's roles, and whether this is a sign-up (a caller without `users:write`)."""
    policy = rbac.engine.policy
    administrator = principal.is_authenticated and rbac.engine.check(principal, USERS_WRITE).allowed
    if not administrator:
        if not rbac.settings.allow_signup:
            if not principal.is_authenticated:
                raise NotAuthenticated("Sign-up is closed: log in as a user with users:write to create users")
            rbac.require(principal, USERS_WRITE, target="create user")
        if asked is not None:
            raise InvalidInput("roles can only be set by a caller with users:write", field="roles")
        return [policy.default_role], True
    roles = [policy.default_role] if asked is None else asked
    require_known_roles(policy, roles)
    # No privilege escalation: a caller cannot hand out scopes it does not hold itself.
    rbac.require(principal, policy.granted(frozenset(roles)), target="create user with roles")
    return roles, False


async def update_account(
    rbac: Rbac, principal: Principal, username: str, changes: dict[str, Any]
) -> UserRecord:
    """Change `email`, `full_name` or `disabled` of an account the caller is not below.

    A disabled user's tokens stop at once on this instance, and stay dead if the account is enabled again.
    """
    if "disabled" in changes and not isinstance(changes["disabled"], bool):
        raise InvalidInput("disabled must be true or false", field="disabled")
    return await _change_named(rbac, principal, username, "update", rbac.users.update, **changes)


async def update_profile(rbac: Rbac, principal: Principal, changes: dict[str, Any]) -> UserRecord:
    """Change the caller's own `email` or `full_name`: found by the token's subject, never by name."""
    unknown = set(changes) - {"email", "full_name"}
    if unknown:
        fields = ", ".join(sorted(unknown))
        raise InvalidInput(f"cannot change {fields} of your own account", field=min(unknown))
    write = partial(
        rbac.users.update, user_id=own_id(principal), rules=operator_rules(rbac.engine.policy), **changes
    )
    record = await anyio.to_thread.run_sync(_authenticated(write))
    rbac.user_changed(record.id)
    return record


async def delete_account(rbac: Rbac, principal: Principal, username: str) -> UserRecord:
    return await _change_named(rbac, principal, username, "delete", rbac.users.delete)


async def assign_role(rbac: Rbac, principal: Principal, username: str, role: str) -> UserRecord:
    require_grantable(rbac, principal, role)
    return await _change_named(rbac, principal, username, "change roles of", rbac.users.add_role, role=role)


async def revoke_role(rbac: Rbac, principal: Principal, username: str, role: str) -> UserRecord:
    # A role the policy no longer defines grants nothing, so anyone with roles:assign may clean it up.
    if role in rbac.engine.policy.roles:
        require_grantable(rbac, principal, role)
    return await _change_named(
        rbac, principal, username, "change roles of", rbac.users.remove_role, role=role
    )


async def change_password(rbac: Rbac, principal: Principal, *, old: str, new: str, client: Client) -> None:
    """Replace the caller's password; bumps token_version, which ends every live token and session.

    The old-password check is throttled like a login (a stolen access token must not become a password
    oracle). Compare-and-set: the new hash is written only over the hash `old` was verified against, so a
    change racing another one (or a login's rehash) answers `Conflict` instead of undoing it.
    """
    require_password(new)
    user_id = own_id(principal)
    attempt = await rbac.throttle.attempt_login(principal.username, client.address)
    found = await anyio.to_thread.run_sync(rbac.users.credentials_of, user_id)
    if found is None:
        await rbac.throttle.release(attempt)
        raise NotAuthenticated(token_sent=True)
    if not (await rbac.hasher.verify(old, found.password_hash)).ok:  # the attempt stays counted
        raise InvalidInput("old_password does not match the current password", field="old_password")
    await rbac.throttle.release(attempt)
    new_hash = await rbac.hasher.hash(new)
    replace = partial(
        rbac.users.replace_password, user_id=user_id, read_hash=found.password_hash, new_hash=new_hash
    )
    await anyio.to_thread.run_sync(replace)
    rbac.user_changed(user_id)


async def end_sessions(rbac: Rbac, principal: Principal, username: str) -> UserRecord:
    """End every session of an account (its refresh tokens and access tokens): an administrator's
    "sign out everywhere", under the same rule as any other change to the account."""
    return await _change_named(rbac, principal, username, "end sessions of", rbac.users.end_sessions)


async def end_session_of(rbac: Rbac, principal: Principal, username: str, session_id: str) -> None:
    """End one session of an account, under the rule of any other change to it; `NotFound` when the
    session is not that account's (it then stays live). Its access tokens stop on this instance at once,
    on the others within the revocation bound."""
    await _change_named(
        rbac, principal, username, "end a session of", rbac.users.end_session, public_id=session_id
    )
    rbac.revocations.add(session_id)


async def _change_named(
    rbac: Rbac,
    principal: Principal,
    username: str,
    verb: str,
    write: Callable[..., UserRecord],
    **values: Any,
) -> UserRecord:
    """Resolve the name to an id once, then change that id under the caller's rules."""
    name = lookup_name(username)
    rules = caller_rules(rbac, principal, action=f"{verb} user {name}")

    def change() -> UserRecord:
        return write(user_id=rbac.users.id_of(name), rules=rules, **values)

    record = await anyio.to_thread.run_sync(change)
    rbac.user_changed(record.id)
    return record


def own_id(principal: Principal) -> int:
    """The caller's account id: the token's subject, checked to be digits when the token was verified."""
    return int(principal.subject)


def _authenticated(write: Callable[[], UserRecord]) -> Callable[[], UserRecord]:
    """The caller's own account deleted since authentication is a 401, not a 404 about an id."""

    def run() -> UserRecord:
        try:
            return write()
        except NotFound:
            raise NotAuthenticated(token_sent=True) from None

    return run


def require_grantable(rbac: Rbac, principal: Principal, role: str) -> None:
    """A caller may only grant or revoke a role whose scopes it holds itself."""
    definition = rbac.engine.policy.roles.get(role)
    if definition is None:
        raise NotFound(f"role {role!r} not found; GET /roles lists them")
    rbac.require(principal, definition.effective_scopes, target=f"assign role {role}")


def require_grantable_roles(rbac: Rbac, principal: Principal, roles: list[str]) -> None:
    """Giving roles to a new account needs `roles:assign`, roles the policy defines, and every scope they
    grant held by the caller (no escalation)."""
    if not roles:
        return
    rbac.require(principal, ROLES_ASSIGN, target="give roles to a new account")
    policy = rbac.engine.policy
    require_known_roles(policy, roles)
    rbac.require(principal, policy.granted(frozenset(roles)), target="give roles to a new account")


def require_known_roles(policy: Policy, roles: Iterable[str]) -> None:
    """`InvalidInput` on field `roles`, naming the first role `policy` does not define."""
    for role in roles:
        if role not in policy.roles:
            raise InvalidInput(f"unknown role {role!r}; GET /roles lists them", field="roles")
