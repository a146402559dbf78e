"""From a bearer token to a `Principal`: the one path REST and GraphQL both take.

Hot path: runs on every request. A repeated token costs a few dictionary and set look-ups; a new one costs
one signature check; a user's state, and the list of ended sessions, are read from the database at most
once per `user_cache_seconds`.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE, BadRequest, NotAuthenticated
from rbac_api.core.opaque import digest, well_formed
from rbac_api.core.principal import ANONYMOUS, NO_MEMBERSHIPS, Membership, Principal
from rbac_api.core.tokens import AccessClaims, TokenCodec
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.model import Policy
from rbac_api.services.loading_cache import LoadingCache
from rbac_api.services.revocations import RevocationList
from rbac_api.store.api_tokens import ApiTokenRecord
from rbac_api.store.tables import MAX_USER_ID
from rbac_api.store.users import UserState

#: Personal API tokens start with this (see services/api_tokens.py); anything else is taken as a JWT.
API_TOKEN_PREFIX = "rbac_pat_"  # noqa: S105 (a prefix, not a secret)


class RawHeaders(Protocol):
    """Request headers as Starlette keeps them: (name, value) pairs, names lower-cased as ASGI sends them."""

    @property
    def raw(self) -> list[tuple[bytes, bytes]]: ...


def authorization_header(headers: RawHeaders) -> str | None:
    """The request's one `Authorization` header, None when there is none.

    Two of them (in any letter case) are refused: taking the first would let a proxy and the service each
    act on a different credential. One pass over the raw pairs: no dearer than `headers.get(...)`.
    """
    found: bytes | None = None
    for name, value in headers.raw:
        if name == b"authorization":
            if found is not None:
                raise BadRequest("Send one Authorization header, not several")
            found = value
    return None if found is None else found.decode("latin-1")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when no header was sent.

    A header in another scheme or with no token is a sent-but-invalid credential, not an anonymous call.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        raise NotAuthenticated("Authorization header must be 'Bearer <token>'", token_sent=True)
    return token


_MAX_USER_ID_DIGITS = len(str(MAX_USER_ID))


def user_id_of(subject: str) -> int | None:
    """The user id a token's `sub` names, or None when it cannot name one.

    Only the form we issue: a positive decimal without sign or leading zero, in ASCII digits (`str.isdigit`
    alone admits Arabic-Indic and other scripts' digits, which `int()` accepts), short enough to be a
    database key (`int()` of more than 4,300 digits raises; a larger value overflows the database's integer).
    """
    if not (0 < len(subject) <= _MAX_USER_ID_DIGITS and subject.isascii() and subject.isdigit()):
        return None
    if subject[0] == "0":
        return None
    user_id = int(subject)
    return user_id if user_id <= MAX_USER_ID else None


class UserStateCache(LoadingCache[int, UserState | None]):
    """Per-user state (roles, disabled, token_version) kept for at most `ttl` seconds: the documented
    staleness bound for changes made on *another* instance (the instance making a change invalidates)."""

    def __init__(self, loader: Callable[[int], UserState | None], *, ttl: float, max_entries: int = 100_000):
        super().__init__(loader, ttl=ttl, max_entries=max_entries)


class _Verified:
    """A token whose signature and claims have been checked, with the last principal built from it."""

    __slots__ = ("claims", "policy", "principal", "state", "user_id")

    def __init__(self, claims: AccessClaims, user_id: int) -> None:
        self.claims = claims
        self.user_id = user_id
        self.principal: Principal | None = None
        #: Weak: a cached token must not keep a replaced policy alive, whose freeing (a few ms for a large
        #: one) would then land in whichever request happens to rebuild the last principal built from it.
        self.policy: weakref.ref[Policy] | None = None
        self.state: UserState | None = None


class Authenticator:
    """Turns a bearer token into a `Principal`, or raises `NotAuthenticated`.

    Verified tokens are cached (bounded, never past `exp`); the principal is rebuilt whenever the user's
    state or the policy object changes, so revocation and policy edits apply to cached tokens too.
    """

    def __init__(
        self,
        *,
        codec: TokenCodec,
        engine: PolicyEngine,
        users: UserStateCache,
        revocations: RevocationList,
        cache_size: int,
        api_tokens: LoadingCache[str, ApiTokenRecord | None],
    ) -> None:
        self._codec = codec
        self._engine = engine
        self._users = users
        self._revocations = revocations
        self._cache_size = cache_size
        self._api_tokens = api_tokens
        self._leeway = codec.leeway
        self._verified: OrderedDict[str, _Verified] = OrderedDict()  # FIFO, O(1) eviction

    async def authenticate_header(self, authorization: str | None) -> Principal:
        """The principal for an `Authorization` header value; anonymous when no header was sent.

        REST dependencies and the GraphQL context both call this: there is no second decoder.
        """
        token = bearer_token(authorization)
        if token is None:
            return ANONYMOUS
        return await self.authenticate(token)

    async def authenticate(self, token: str) -> Principal:
        if token.startswith(API_TOKEN_PREFIX):
            return await self._authenticate_api_token(token)
        entry = self._verified.get(token)
        if entry is None or entry.claims.expires_at + self._leeway <= time.time():
            entry = self._verify(token)
        cached = self._users.peek(entry.user_id)
        state = cached[0] if cached is not None else await self._users.load(entry.user_id)
        if state is None or state.disabled or state.token_version != entry.claims.version:
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        revocations = self._revocations
        if not revocations.fresh():
            await revocations.sync()
        if entry.claims.session_id in revocations:
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        policy = self._engine.policy
        built_from = entry.policy
        if (
            entry.principal is None
            or entry.state is not state
            or built_from is None
            or built_from() is not policy
        ):
            entry.principal = _principal(entry.claims, state, policy)
            entry.state, entry.policy = state, weakref.ref(policy)
        return entry.principal

    async def _authenticate_api_token(self, token: str) -> Principal:
        """A personal API token: its own scopes within what the owner's roles grant now.

        A mistyped token fails its checksum before any look-up; a known one is read at most once per cache
        bound. It survives a password change (it is not a login), not a disable or a revocation.
        """
        if not well_formed(token, API_TOKEN_PREFIX):
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        found = await self._api_tokens.get(digest(token))
        if found is None or found.expires_at <= time.time():
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        cached = self._users.peek(found.user_id)
        state = cached[0] if cached is not None else await self._users.load(found.user_id)
        if state is None or state.disabled:
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        policy = self._engine.policy
        return Principal(
            subject=str(found.user_id),
            username=state.record.username,
            roles=state.roles,
            scopes=found.scopes & policy.granted(state.roles),
            token_id=f"api-token-{found.id}",
            expires_at=int(found.expires_at),
            api_token_id=found.id,
            memberships=memberships(state, policy, found.scopes),
            token_scopes=found.scopes,
        )

    def forget_tokens(self) -> None:
        self._verified.clear()

    def _verify(self, token: str) -> _Verified:
        self._verified.pop(token, None)
        claims = self._codec.decode(token)
        user_id = user_id_of(claims.subject)
        if user_id is None:
            raise NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
        entry = _Verified(claims, user_id)
        if self._cache_size:
            if len(self._verified) >= self._cache_size:
                self._verified.popitem(last=False)
            self._verified[token] = entry
        return entry


def _principal(claims: AccessClaims, state: UserState, policy: Policy) -> Principal:
    return Principal(
        subject=claims.subject,
        username=state.record.username,
        roles=state.roles,
        scopes=claims.scopes & policy.granted(state.roles),
        token_id=claims.token_id,
        expires_at=claims.expires_at,
        session_id=claims.session_id,
        memberships=memberships(state, policy, claims.scopes),
        token_scopes=claims.scopes,
    )


def memberships(state: UserState, policy: Policy, token_scopes: frozenset[str]) -> Mapping[str, Membership]:
    """What the user holds in each organization: the roles given there, and the token's scopes within what
    those roles grant (narrowed as `Principal.scopes` is, so a token never carries more in an organization
    than it was issued for)."""
    if not state.memberships:
        return NO_MEMBERSHIPS
    return MappingProxyType(
        {
            name: Membership(roles, token_scopes & policy.granted(roles))
            for name, roles in state.memberships.items()
        }
    )
