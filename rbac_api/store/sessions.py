"""Sessions (refresh-token families) and their refresh tokens. Only SHA-256 digests of tokens are stored.

Every state change that depends on what was read is conditional on it (`used_at IS NULL`, `revoked_at IS
NULL`), so two requests racing with one refresh token get one new pair between them, and the loser is seen
as a reuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from rbac_api.store.tables import RefreshTokenRow, SessionRow, UserRow


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    public_id: str
    user_id: int
    token_version: int
    scopes: frozenset[str]
    client_address: str | None
    user_agent: str | None
    created_at: float
    last_refreshed_at: float
    expires_at: float
    revoked_at: float | None

    def live(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class RefreshLookup:
    """A presented refresh token: its session, whether it was used already, and its user as they are now."""

    session: SessionRecord
    used: bool
    user_disabled: bool
    user_token_version: int


class SessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(
        self,
        *,
        public_id: str,
        user_id: int,
        token_version: int,
        scopes: Iterable[str],
        client_address: str | None,
        user_agent: str | None,
        now: float,
        expires_at: float,
        refresh_hash: str | None,
    ) -> SessionRecord:
        """A new session, with its first refresh token when `refresh_hash` is given."""
        row = SessionRow(
            public_id=public_id,
            user_id=user_id,
            token_version=token_version,
            scopes=" ".join(sorted(scopes)),
            client_address=client_address,
            user_agent=user_agent,
            created_at=now,
            last_refreshed_at=now,
            expires_at=expires_at,
        )
        with Session(self._engine) as session:
            session.add(row)
            session.flush()
            assert row.id is not None
            if refresh_hash is not None:
                session.add(RefreshTokenRow(token_hash=refresh_hash, session_id=row.id, created_at=now))
            session.commit()
            return _record(row)

    def lookup(self, refresh_hash: str) -> RefreshLookup | None:
        query = (
            select(RefreshTokenRow, SessionRow, UserRow.disabled, UserRow.token_version)
            .join(SessionRow, col(SessionRow.id) == col(RefreshTokenRow.session_id))
            .join(UserRow, col(UserRow.id) == col(SessionRow.user_id))
            .where(RefreshTokenRow.token_hash == refresh_hash)
        )
        with Session(self._engine) as session:
            found = session.exec(query).first()
            if found is None:
                return None
            token, row, disabled, version = found
            return RefreshLookup(_record(row), token.used_at is not None, disabled, version)

    def rotate(self, *, old_hash: str, new_hash: str, session_id: int, now: float) -> bool:
        """Mark `old_hash` used and add `new_hash`, only if `old_hash` was unused and the session still live.

        False means another request used the token first (or the session ended meanwhile): a reuse.
        """
        with Session(self._engine) as session:
            used = session.exec(
                update(RefreshTokenRow)
                .where(col(RefreshTokenRow.token_hash) == old_hash, col(RefreshTokenRow.used_at).is_(None))
                .values(used_at=now)
            )
            touched = session.exec(
                update(SessionRow)
                .where(
                    col(SessionRow.id) == session_id,
                    col(SessionRow.revoked_at).is_(None),
                    col(SessionRow.expires_at) > now,
                )
                .values(last_refreshed_at=now)
            )
            if used.rowcount != 1 or touched.rowcount != 1:
                session.rollback()
                return False
            session.add(RefreshTokenRow(token_hash=new_hash, session_id=session_id, created_at=now))
            session.commit()
            return True

    def revoke(self, session_id: int, *, now: float) -> bool:
        """End one session; False when it had ended already."""
        with Session(self._engine) as session:
            result = session.exec(
                update(SessionRow)
                .where(col(SessionRow.id) == session_id, col(SessionRow.revoked_at).is_(None))
                .values(revoked_at=now)
            )
            session.commit()
            return bool(result.rowcount)

    def revoke_all(self, user_id: int, *, now: float) -> int:
        """End every live session of a user; the number ended."""
        with Session(self._engine) as session:
            result = session.exec(
                update(SessionRow)
                .where(col(SessionRow.user_id) == user_id, col(SessionRow.revoked_at).is_(None))
                .values(revoked_at=now)
            )
            session.commit()
            return int(result.rowcount)

    def get(self, public_id: str) -> SessionRecord | None:
        with Session(self._engine) as session:
            row = session.exec(select(SessionRow).where(SessionRow.public_id == public_id)).first()
            return None if row is None else _record(row)

    def live_sessions(self, user_id: int, *, token_version: int, now: float) -> list[SessionRecord]:
        """The user's sessions that can still be refreshed, newest first."""
        query = (
            select(SessionRow)
            .where(
                col(SessionRow.user_id) == user_id,
                col(SessionRow.token_version) == token_version,
                col(SessionRow.revoked_at).is_(None),
                col(SessionRow.expires_at) > now,
            )
            .order_by(col(SessionRow.created_at).desc(), col(SessionRow.id).desc())
            .limit(1000)
        )
        with Session(self._engine) as session:
            return [_record(row) for row in session.exec(query)]

    def revoked_since(self, cutoff: float) -> set[str]:
        """Public ids of sessions ended after `cutoff`: those whose access tokens may still be unexpired."""
        query = select(SessionRow.public_id).where(col(SessionRow.revoked_at) > cutoff)
        with Session(self._engine) as session:
            return set(session.exec(query))

    def prune(self, *, before: float) -> int:
        """Forget sessions that ended (expired or revoked) before `before`, with their refresh tokens."""
        ended = (col(SessionRow.expires_at) < before) | (col(SessionRow.revoked_at) < before)
        with Session(self._engine) as session:
            ids = list(session.exec(select(SessionRow.id).where(ended).limit(10_000)))
            if ids:
                session.exec(delete(RefreshTokenRow).where(col(RefreshTokenRow.session_id).in_(ids)))
                session.exec(delete(SessionRow).where(col(SessionRow.id).in_(ids)))
            session.commit()
            return len(ids)


def _record(row: SessionRow) -> SessionRecord:
    assert row.id is not None
    return SessionRecord(
        id=row.id,
        public_id=row.public_id,
        user_id=row.user_id,
        token_version=row.token_version,
        scopes=frozenset(row.scopes.split(" ")) if row.scopes else frozenset(),
        client_address=row.client_address,
        user_agent=row.user_agent,
        created_at=row.created_at,
        last_refreshed_at=row.last_refreshed_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )
