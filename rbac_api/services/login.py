"""Password login, shared by `POST /token` (the password grant) and the GraphQL `login` mutation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import partial

import anyio

from rbac_api.core.audit import log_event
from rbac_api.core.errors import BadCredentials, InvalidInput, InvalidScope, NotFound, RateLimited
from rbac_api.core.tokens import IssuedToken
from rbac_api.policy.model import Policy, is_scope_name
from rbac_api.policy.reach import reachable_scopes
from rbac_api.runtime import Rbac
from rbac_api.services.sessions import Client, TokenPair, start_session
from rbac_api.store.usernames import normalize_username
from rbac_api.store.users import Credentials


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


async def login(
    rbac: Rbac, *, username: str, password: str, scopes: frozenset[str] | None, client: Client
) -> TokenPair:
    """Check the password, start a session and issue its access and refresh tokens.

    No `scopes` means every scope the roles grant; asked scopes the roles grant none of are `InvalidScope`.
    Failures are throttled per (name, address) and per address before any bcrypt runs. Wrong password,
    unknown and disabled users all raise the same `BadCredentials` after the same work: one query for the
    credentials and one bcrypt; the roles are read only once the password has verified.
    """
    policy = rbac.engine.policy
    requested = None if scopes is None else check_requested_scopes(scopes, policy)
    name = _throttle_key(username)
    try:
        attempt = await rbac.throttle.attempt_login(name, client.address)
    except RateLimited:
        log_event("login", username=name, address=client.address, outcome="throttled")
        raise
    found = await _verified_credentials(rbac, username, password)
    if found is None:  # the attempt, counted as a failure up front, stays counted
        log_event("login", username=name, address=client.address, outcome="bad_credentials")
        raise BadCredentials()
    await rbac.throttle.login_succeeded(name, attempt, client.address)
    state = await anyio.to_thread.run_sync(rbac.users.state, found.id)
    if state is None:  # deleted since the password check
        raise BadCredentials()
    granted = reachable_scopes(policy, state.roles, state.memberships)
    chosen = granted if requested is None else requested & granted
    if not chosen:
        log_event("login", username=name, address=client.address, outcome="invalid_scope")
        raise InvalidScope(nothing_granted(requested))
    log_event("login", username=name, address=client.address, outcome="success", subject=str(found.id))
    return await start_session(
        rbac,
        user_id=found.id,
        # The version read with the hash: if the password changed or the account was disabled since, the
        # tokens are dead on arrival rather than issued for a password that no longer holds.
        token_version=found.token_version,
        roles=state.record.roles,
        scopes=chosen,
        client=client,
    )


async def _verified_credentials(rbac: Rbac, username: str, password: str) -> Credentials | None:
    """The account when `password` is its password and it is enabled; None otherwise, after the same work."""
    try:
        name = normalize_username(username)
    except InvalidInput:
        name = None
    found = None if name is None else await anyio.to_thread.run_sync(rbac.users.credentials, name)
    # A service account has no password: it is verified against the dummy hash, like an unknown name.
    usable = found is not None and not found.service_account
    verification = await rbac.hasher.verify(password, found.password_hash if usable and found else None)
    if found is None or not verification.ok or found.disabled or found.service_account:
        return None
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
    return found


def _throttle_key(username: str) -> str:
    """The name failures are counted under: its normal form when it has one, so `Alice` and `alice` count
    together; otherwise a digest of it (such names never match an account, but still count, and their
    characters - NUL, control characters - never reach the database)."""
    try:
        return normalize_username(username)
    except InvalidInput:
        return "invalid:" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def nothing_granted(requested: frozenset[str] | None) -> str:
    if requested is None:
        return "this account's roles grant no scopes; ask an administrator for a role"
    return (
        f"this account's roles grant none of the requested scopes ({' '.join(sorted(requested))}); "
        "ask for scopes your roles grant, or leave scope empty for all of them"
    )


async def issue_for_operator(rbac: Rbac, username: str, scopes: frozenset[str] | None) -> IssuedToken:
    """An access token for `username` from the operator's terminal (`rbac-api token issue`): no password,
    since the operator holds the database; a session of its own, without a refresh token, that a logout or
    an administrator can end like any other. Scopes the user's roles do not grant are refused, not dropped.
    """
    policy = rbac.engine.policy
    requested = None if scopes is None else check_requested_scopes(scopes, policy)
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, normalize_username(username))
    state = await anyio.to_thread.run_sync(rbac.users.state, user_id)
    if state is None:
        raise NotFound(f"user {username!r} not found")
    if state.disabled:
        raise InvalidInput(f"user {state.record.username!r} is disabled; enable it first")
    granted = reachable_scopes(policy, state.roles, state.memberships)
    if requested is not None and not requested <= granted:
        missing = " ".join(sorted(requested - granted))
        raise InvalidScope(f"{state.record.username}'s roles do not grant: {missing}")
    chosen = granted if requested is None else requested
    if not chosen:
        raise InvalidScope(nothing_granted(None))
    pair = await start_session(
        rbac,
        user_id=user_id,
        token_version=state.token_version,
        roles=state.record.roles,
        scopes=chosen,
        client=Client(user_agent="rbac-api token issue"),
        refreshable=False,
    )
    log_event("token_issued", username=state.record.username, subject=str(user_id), by="operator")
    return pair.access
