"""Sessions: what a login starts, a refresh continues, and a logout or an admin ends.

A session is one refresh-token family. Its access tokens carry its public id as `sid`, so ending a session
refuses every access token it issued (the one in hand included) until they expire, with one entry in the
revocation list per session rather than one per token.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import partial

import anyio

from rbac_api.core.audit import log_event, log_warning
from rbac_api.core.errors import InvalidGrant, InvalidScope, NotAuthenticated, NotFound
from rbac_api.core.opaque import digest as opaque_digest
from rbac_api.core.opaque import well_formed
from rbac_api.core.principal import Principal
from rbac_api.core.tokens import IssuedToken
from rbac_api.policy.reach import reachable_scopes
from rbac_api.runtime import Rbac
from rbac_api.services.authentication import API_TOKEN_PREFIX
from rbac_api.store.sessions import RefreshLookup, SessionRecord

#: Refresh tokens are opaque, not JWTs; the prefix lets secret scanners and our own parser recognise them.
REFRESH_PREFIX = "rbac_rt_"
_REFRESH_BODY_LENGTH = 43  # secrets.token_urlsafe(32)
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, as recorded on the session it starts (shown in session listings)."""

    address: str | None = None
    user_agent: str | None = None

    def clipped(self) -> Client:
        agent = None if self.user_agent is None else self.user_agent[:256]
        return Client(None if self.address is None else self.address[:64], agent)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access: IssuedToken
    refresh_token: str | None


def new_refresh_token() -> tuple[str, str]:
    """A fresh refresh token and the digest stored for it."""
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    return token, refresh_digest(token)


def refresh_digest(token: str) -> str:
    # SHA-256, not bcrypt: the token has 256 bits of entropy, so a fast hash is safe (and a refresh is cheap).
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_refresh_token(token: str) -> bool:
    """Shape check before any database look-up: an access token or garbage never reaches the store."""
    body = token[len(REFRESH_PREFIX) :]
    return token.startswith(REFRESH_PREFIX) and len(body) == _REFRESH_BODY_LENGTH and set(body) <= _URLSAFE


async def start_session(
    rbac: Rbac,
    *,
    user_id: int,
    token_version: int,
    roles: tuple[str, ...],
    scopes: frozenset[str],
    client: Client,
    refreshable: bool = True,
) -> TokenPair:
    """Open a session for a user whose credentials were just verified, and issue its first tokens."""
    now = time.time()
    refresh, digest = new_refresh_token() if refreshable else (None, None)
    lifetime = rbac.codec.lifetime + rbac.codec.leeway
    clipped = client.clipped()
    start = partial(
        rbac.sessions.start,
        public_id=secrets.token_urlsafe(12),
        user_id=user_id,
        token_version=token_version,
        scopes=scopes,
        client_address=clipped.address,
        user_agent=clipped.user_agent,
        now=now,
        # Without a refresh token the session lasts as long as its one access token.
        expires_at=now + (rbac.settings.refresh_token_days * 86_400 if refreshable else lifetime),
        refresh_hash=digest,
    )
    record = await anyio.to_thread.run_sync(start)
    access = rbac.codec.issue(
        subject=str(user_id), scopes=scopes, roles=roles, version=token_version, session_id=record.public_id
    )
    return TokenPair(access, refresh)


async def refresh_session(rbac: Rbac, *, refresh_token: str, scopes: frozenset[str] | None) -> TokenPair:
    """The refresh grant (RFC 6749 §6): rotate the refresh token and issue a new access token.

    Re-checks the user as they are now (disabled, token_version, roles) under the policy in force. A token
    used before, or used twice at once, ends its whole family.
    """
    if not looks_like_refresh_token(refresh_token):
        raise InvalidGrant("the refresh token is malformed; log in again")
    digest = refresh_digest(refresh_token)
    found = await anyio.to_thread.run_sync(rbac.sessions.lookup, digest)
    if found is None:
        raise InvalidGrant("the refresh token is unknown or expired; log in again")
    now = time.time()
    _require_usable(found, now)
    if found.used:
        await _end_reused(rbac, found.session, now)
    granted, roles = await _refresh_scopes(rbac, found, scopes)
    new_token, new_digest = new_refresh_token()
    rotate = partial(
        rbac.sessions.rotate, old_hash=digest, new_hash=new_digest, session_id=found.session.id, now=now
    )
    if not await anyio.to_thread.run_sync(rotate):
        await _end_reused(rbac, found.session, now)
    state = found.session
    access = rbac.codec.issue(
        subject=str(state.user_id),
        scopes=granted,
        roles=roles,
        version=state.token_version,
        session_id=state.public_id,
    )
    return TokenPair(access, new_token)


def _require_usable(found: RefreshLookup, now: float) -> None:
    session = found.session
    if not session.live(now):
        raise InvalidGrant("the session has ended; log in again")
    if found.user_disabled or found.user_token_version != session.token_version:
        raise InvalidGrant("the session has ended (password change, disable or sign-out); log in again")


async def _refresh_scopes(
    rbac: Rbac, found: RefreshLookup, asked: frozenset[str] | None
) -> tuple[frozenset[str], tuple[str, ...]]:
    """What the new access token may hold (the session's grant, narrowed by `asked`, within the user's
    current roles), and those roles, read afresh rather than from a cache."""
    original = found.session.scopes
    if asked is not None and not asked <= original:
        wider = " ".join(sorted(asked - original))
        raise InvalidScope(f"a refresh cannot add scopes the login did not grant: {wider}")
    state = await anyio.to_thread.run_sync(rbac.users.state, found.session.user_id)
    if state is None:
        raise InvalidGrant("the session has ended; log in again")
    reachable = reachable_scopes(rbac.engine.policy, state.roles, state.memberships)
    granted = (original if asked is None else asked) & reachable
    if not granted:
        raise InvalidScope("the user's roles no longer grant any of the scopes asked for")
    return granted, state.record.roles


async def _end_reused(rbac: Rbac, session: SessionRecord, now: float) -> None:
    """A refresh token came back after it was rotated: whoever holds the family may be an attacker."""
    await end_session(rbac, session, now=now)
    log_warning(
        "refresh_token_reuse", subject=str(session.user_id), session=session.public_id, action="session ended"
    )
    raise InvalidGrant("the refresh token was already used; the session has been ended, log in again")


async def end_session(rbac: Rbac, session: SessionRecord, *, now: float | None = None) -> None:
    """Revoke a session: its refresh tokens stop at once, its access tokens on every instance within the
    revocation bound (on this one, at once)."""
    await anyio.to_thread.run_sync(partial(rbac.sessions.revoke, session.id, now=now or time.time()))
    rbac.revocations.add(session.public_id)


async def revoke_token(rbac: Rbac, token: str) -> None:
    """RFC 7009: end the session of a refresh token or of an access token, or delete a personal API token.
    Unknown, expired, forged or already-revoked tokens are quietly ignored: the answer is the same."""
    if token.startswith(API_TOKEN_PREFIX):
        if well_formed(token, API_TOKEN_PREFIX):
            key = opaque_digest(token)
            revoked = await anyio.to_thread.run_sync(rbac.api_tokens.revoke_by_hash, key)
            rbac.api_token_cache.invalidate(key)
            if revoked is not None:
                log_event("api_token_revoked", subject=str(revoked.user_id), token=revoked.id, by="holder")
        return
    if looks_like_refresh_token(token):
        found = await anyio.to_thread.run_sync(rbac.sessions.lookup, refresh_digest(token))
        if found is not None:
            await end_session(rbac, found.session)
        return
    try:
        claims = rbac.codec.decode(token)
    except NotAuthenticated:
        return
    session = await anyio.to_thread.run_sync(rbac.sessions.get, claims.session_id)
    if session is not None and str(session.user_id) == claims.subject:
        await end_session(rbac, session)


async def end_current_session(rbac: Rbac, principal: Principal) -> None:
    """Log out: end the session the caller's own token belongs to."""
    session = await anyio.to_thread.run_sync(rbac.sessions.get, principal.session_id)
    if session is not None and str(session.user_id) == principal.subject:
        await end_session(rbac, session)


async def end_own_session(rbac: Rbac, principal: Principal, public_id: str) -> None:
    """`DELETE /users/me/sessions/{id}`: a session of someone else is not found, not forbidden."""
    session = await anyio.to_thread.run_sync(rbac.sessions.get, public_id)
    if session is None or str(session.user_id) != principal.subject:
        raise NotFound(f"no session {public_id!r} of yours; GET /users/me/sessions lists them")
    await end_session(rbac, session)


async def live_sessions(rbac: Rbac, principal: Principal) -> list[SessionRecord]:
    return await live_sessions_of(rbac, int(principal.subject))


async def live_sessions_of(rbac: Rbac, user_id: int) -> list[SessionRecord]:
    """The user's sessions that can still be refreshed, newest first (none for an unknown id)."""
    state = await rbac.user_states.get(user_id)
    if state is None:
        return []
    listing = partial(
        rbac.sessions.live_sessions, user_id, token_version=state.token_version, now=time.time()
    )
    return await anyio.to_thread.run_sync(listing)
