"""From a bearer token to a `Principal`: the one path REST and GraphQL both take.

Hot path: runs on every request. A repeated token costs a few dictionary and set look-ups; a new one costs
one signature check; a user's state, and the list of ended sessions, are read from the database at most
once per `user_cache_seconds`.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import anyio

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE, BadRequest, NotAuthenticated
from rbac_api.core.principal import ANONYMOUS, Principal
from rbac_api.core.tokens import AccessClaims, TokenCodec
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.model import Policy
from rbac_api.services.revocations import RevocationList
from rbac_api.store.tables import MAX_USER_ID
from rbac_api.store.users import UserState


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


class UserStateCache:
    """Per-user state (roles, disabled, token_version) kept for at most `ttl` seconds.

    `ttl` is the documented staleness bound for changes made on *another* instance; the instance making a
    change calls `invalidate`, so its very next request reads the new state.
    """

    def __init__(self, loader: Callable[[int], UserState | None], *, ttl: float, max_entries: int = 100_000):
        self._loader = loader
        self._ttl = ttl
        self._max = max_entries
        # OrderedDict: evicting the oldest entry of a plain dict (`next(iter(d))`) scans the slots freed by
        # earlier evictions, about 9 µs per insert at 10,000 entries; `popitem(last=False)` is O(1).
        self._entries: OrderedDict[int, tuple[UserState | None, float]] = OrderedDict()
        self._loading: dict[int, anyio.Event] = {}
        #: Bumped by every invalidation: a load that started before one must not cache what it read.
        self._generation = 0

    def peek(self, user_id: int) -> tuple[UserState | None] | None:
        """The cached state wrapped in a 1-tuple (a cached "no such user" is `(None,)`), or None on miss."""
        entry = self._entries.get(user_id)
        if entry is None or time.monotonic() - entry[1] >= self._ttl:
            return None
        return (entry[0],)

    async def load(self, user_id: int) -> UserState | None:
        """Read the state from the store (in a worker thread) and cache it.

        Single flight: when the entry of a busy user expires, every request in flight misses at once; they
        wait for one read instead of each taking a worker thread and a database connection.
        """
        in_flight = self._loading.get(user_id)
        if in_flight is not None:
            await in_flight.wait()
            cached = self.peek(user_id)
            if cached is not None:
                return cached[0]
        done = anyio.Event()
        self._loading.setdefault(user_id, done)  # never displace another reader's event
        generation = self._generation
        try:
            state = await anyio.to_thread.run_sync(self._loader, user_id)
        finally:
            if self._loading.get(user_id) is done:
                del self._loading[user_id]
            done.set()
        if generation == self._generation:
            if len(self._entries) >= self._max:
                self._entries.popitem(last=False)
            self._entries[user_id] = (state, time.monotonic())
        return state

    async def get(self, user_id: int) -> UserState | None:
        cached = self.peek(user_id)
        return cached[0] if cached is not None else await self.load(user_id)

    def invalidate(self, user_id: int) -> None:
        self._generation += 1
        self._entries.pop(user_id, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()


class _Verified:
    """A token whose signature and claims have been checked, with the last principal built from it."""

    __slots__ = ("claims", "policy", "principal", "state", "user_id")

    def __init__(self, claims: AccessClaims, user_id: int) -> None:
        self.claims = claims
        self.user_id = user_id
        self.principal: Principal | None = None
        self.policy: Policy | None = None
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
    ) -> None:
        self._codec = codec
        self._engine = engine
        self._users = users
        self._revocations = revocations
        self._cache_size = cache_size
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
        if entry.principal is None or entry.state is not state or entry.policy is not policy:
            entry.principal = _principal(entry.claims, state, policy)
            entry.state, entry.policy = state, policy
        return entry.principal

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
    )
