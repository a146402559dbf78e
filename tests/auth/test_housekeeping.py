"""Clean-up of throttling events and ended sessions: what can no longer matter is deleted, nothing else."""

from __future__ import annotations

import time

import anyio
from sqlalchemy import func
from sqlmodel import Session, select

from rbac_api.runtime import Rbac
from rbac_api.services.housekeeping import tidy
from rbac_api.store.change_rules import ChangeRules
from rbac_api.store.tables import RateEventRow, SessionRow
from rbac_api.store.throttle import RateEventStore


def _start(
    rbac: Rbac, public_id: str, *, now: float, expires_at: float, revoked_at: float | None = None
) -> None:
    record = rbac.sessions.start(
        public_id=public_id,
        user_id=1,
        token_version=0,
        scopes=["profile:read"],
        client_address=None,
        user_agent=None,
        now=now,
        expires_at=expires_at,
        refresh_hash=None,
    )
    if revoked_at is not None:
        rbac.sessions.revoke(record.id, now=revoked_at)


def _ids(rbac: Rbac) -> set[str]:
    with Session(rbac.db) as session:
        return set(session.exec(select(SessionRow.public_id)))


def test_sessions_that_ended_longer_ago_than_a_token_lives_are_deleted(rbac: Rbac) -> None:
    now = time.time()
    horizon = rbac.codec.lifetime + rbac.codec.leeway
    _start(rbac, "expired-long-ago", now=now - 10 * horizon, expires_at=now - 2 * horizon)
    _start(
        rbac, "revoked-long-ago", now=now - 10 * horizon, expires_at=now + 3600, revoked_at=now - 2 * horizon
    )
    _start(rbac, "revoked-just-now", now=now - 60, expires_at=now + 3600, revoked_at=now - 1)
    _start(rbac, "live", now=now - 60, expires_at=now + 3600)
    anyio.run(tidy, rbac)
    assert _ids(rbac) == {"revoked-just-now", "live"}


def test_throttling_events_older_than_the_window_are_deleted(rbac: Rbac) -> None:
    now = time.time()
    window = rbac.settings.login_window_seconds
    events = RateEventStore(rbac.db)
    events.record(["login:old"], at=now - window - 1)
    events.record(["login:new"], at=now - 1)
    anyio.run(tidy, rbac)
    with Session(rbac.db) as session:
        left = session.exec(select(RateEventRow.bucket, func.count()).group_by(RateEventRow.bucket)).all()
    assert left == [("login:new", 1)]


def test_expired_api_tokens_are_deleted_and_live_ones_kept(rbac: Rbac) -> None:
    now = time.time()
    for name, expires_at in (("expired", now - 1), ("live", now + 3600)):
        rbac.api_tokens.create(
            user_id=1,
            name=name,
            token_hash=name.ljust(64, "0"),
            scopes=["profile:read"],
            now=now - 10,
            expires_at=expires_at,
            limit=10,
            rules=ChangeRules(),
        )
    anyio.run(tidy, rbac)
    assert [record.name for record in rbac.api_tokens.of_user(1)] == ["live"]
