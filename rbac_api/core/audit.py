"""Structured log lines for security events: one JSON line each (denials, logins, session ends), never a
token or password; and the most recent denials of this process, kept for the console."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rbac_api.core.principal import Principal

log = logging.getLogger("rbac_api.audit")

#: Denials each process keeps in memory (`GET /audit/denials`); older ones are only in the log.
DENIALS_KEPT = 1000


@dataclass(frozen=True, slots=True)
class Denial:
    """One refused request, as the audit line says it: who, what, which scopes; nothing secret."""

    at: float
    subject: str | None
    username: str | None
    #: `GET /users` for a route, `Query.users` for a GraphQL field.
    target: str
    required_scopes: tuple[str, ...]
    missing_scopes: tuple[str, ...]
    policy_version: str

    def matches(self, *, user: str | None, scope: str | None, route: str | None) -> bool:
        """Each filter given is a case-insensitive substring of the user name, a scope asked for, or the
        target."""
        return (
            _contains(self.username or "", user)
            and (not scope or any(_contains(s, scope) for s in self.required_scopes))
            and _contains(self.target, route)
        )


def _contains(text: str, part: str | None) -> bool:
    return not part or part.casefold() in text.casefold()


class DenialRing:
    """The last `size` denials of this process: a bounded ring, so a flood of denials costs no memory."""

    def __init__(self, size: int = DENIALS_KEPT) -> None:
        self._ring: deque[Denial] = deque(maxlen=size)

    @property
    def size(self) -> int:
        return self._ring.maxlen or 0

    def add(self, denial: Denial) -> None:
        self._ring.append(denial)  # one C call: safe beside readers in other threads

    def newest_first(self) -> Iterator[Denial]:
        return reversed(self._ring.copy())  # a snapshot: appends meanwhile cannot break the iteration

    def recent(
        self, limit: int, *, user: str | None = None, scope: str | None = None, route: str | None = None
    ) -> list[Denial]:
        """Up to `limit` denials matching the filters, newest first."""
        found: list[Denial] = []
        for denial in self.newest_first():
            if len(found) >= limit:
                break
            if denial.matches(user=user, scope=scope, route=route):
                found.append(denial)
        return found


def log_denial(
    principal: Principal,
    *,
    required: frozenset[str],
    missing: frozenset[str],
    target: str,
    policy_version: str,
    ring: DenialRing,
) -> None:
    """Keep the denial in `ring`, and write it as an `access_denied` line when the audit log is on."""
    denial = Denial(
        at=time.time(),
        subject=principal.subject or None,
        username=principal.username or None,
        target=target,
        required_scopes=tuple(sorted(required)),
        missing_scopes=tuple(sorted(missing)),
        policy_version=policy_version,
    )
    ring.add(denial)
    if not log.isEnabledFor(logging.INFO):
        return
    log_event(
        "access_denied",
        subject=denial.subject,
        username=denial.username,
        target=target,
        required_scopes=list(denial.required_scopes),
        missing_scopes=list(denial.missing_scopes),
        policy_version=policy_version,
    )


def log_event(event: str, **fields: object) -> None:
    """One JSON line `{"event": ..., **fields}` at INFO. Callers pass only what may be kept: names,
    addresses, outcomes, ids - never a secret."""
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps({"event": event, **fields}, separators=(",", ":")))


def log_warning(event: str, **fields: object) -> None:
    """Like `log_event`, at WARNING: events an operator should look at (a refresh token reused)."""
    log.warning(json.dumps({"event": event, **fields}, separators=(",", ":")))
