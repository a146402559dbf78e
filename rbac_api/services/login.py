"""Password login, shared by `POST /token` and the GraphQL `login` mutation."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import anyio

from rbac_api.core.errors import BadCredentials, InvalidInput, InvalidScope
from rbac_api.core.tokens import IssuedToken
from rbac_api.policy.model import Policy, is_scope_name
from rbac_api.runtime import Rbac
from rbac_api.store.usernames import normalize_username


def parse_scope_parameter(text: str) -> frozenset[str] | None:
    """Scopes from an OAuth2 `scope` parameter: names separated by single spaces, case-sensitive.

    A tab, comma, doubled space, non-breaking space or look-alike character is an error, never a silent
    match. Empty means "not asked" (Swagger UI sends `scope=` when nothing is ticked).
    """
    if text == "":
        return None
    return frozenset(text.split(" "))


def check_requested_scopes(requested: Iterable[str], policy: Policy) -> frozenset[str]:
    scopes = frozenset(requested)
    for name in sorted(scopes):
        if not is_scope_name(name):
            raise InvalidScope(
                f"malformed scope {name!r}: scopes are lower-case names like 'users:read', "
                "separated by one space"
            )
        if name not in policy.scopes:
            raise InvalidScope(f"unknown scope {name!r}; GET /policy lists the scopes this service knows")
    return scopes


async def login(rbac: Rbac, *, username: str, password: str, scopes: frozenset[str] | None) -> IssuedToken:
    """Check the password and issue a token with the requested scopes the user's roles grant.

    No `scopes` means every scope the roles grant. Wrong password, unknown and disabled users all raise
    the same `BadCredentials` after the same work: one query for the credentials and one bcrypt; the roles
    are read only once the password has verified.
    """
    policy = rbac.engine.policy
    requested = None if scopes is None else check_requested_scopes(scopes, policy)
    try:
        name = normalize_username(username)
    except InvalidInput:
        raise BadCredentials() from None
    found = await anyio.to_thread.run_sync(rbac.users.credentials, name)
    verification = await rbac.hasher.verify(password, None if found is None else found.password_hash)
    if found is None or not verification.ok or found.disabled:
        raise BadCredentials()
    if verification.new_hash is not None:
        # The stored hash used fewer rounds than configured: upgrade it while we hold the password, unless
        # the password changed since we read it (then the newer password stands and the upgrade is moot).
        upgrade = partial(
            rbac.users.upgrade_hash,
            user_id=found.id,
            read_hash=found.password_hash,
            new_hash=verification.new_hash,
        )
        await anyio.to_thread.run_sync(upgrade)
    state = await anyio.to_thread.run_sync(rbac.users.state, found.id)
    if state is None:  # deleted since the password check
        raise BadCredentials()
    granted = policy.granted(state.roles)
    return rbac.codec.issue(
        subject=str(found.id),
        scopes=granted if requested is None else requested & granted,
        roles=state.record.roles,
        # The version read with the hash: if the password changed or the account was disabled since, the
        # token is dead on arrival rather than issued for a password that no longer holds.
        version=found.token_version,
    )
