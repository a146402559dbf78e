"""Personal API tokens, stored by SHA-256 digest. Synchronous; callers run these in a worker thread."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rbac_api.core.errors import Conflict, NotFound
from rbac_api.store.change_rules import ChangeRules, lock_for_change
from rbac_api.store.tables import ApiTokenRow

#: `last_used_at` is written at most this often per token: a write per request would cost more than the
#: request, and "last used" to the minute is what a person reading the list needs.
TOUCH_EVERY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    id: int
    user_id: int
    name: str
    scopes: frozenset[str]
    created_at: float
    expires_at: float
    last_used_at: float | None

    # As every listing shows them (REST, GraphQL): times in UTC, scopes in name order.
    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_at, UTC)

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.expires_at, UTC)

    @property
    def last_used(self) -> datetime | None:
        return None if self.last_used_at is None else datetime.fromtimestamp(self.last_used_at, UTC)

    @property
    def scope_list(self) -> list[str]:
        return sorted(self.scopes)


class ApiTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        *,
        user_id: int,
        name: str,
        token_hash: str,
        scopes: Iterable[str],
        now: float,
        expires_at: float,
        limit: int,
        rules: ChangeRules,
    ) -> ApiTokenRecord:
        """Add a token under the owner's row lock: the count and the insert see the same tokens, so
        concurrent creations cannot pass the per-user limit together."""
        with Session(self._engine) as session:
            _row, roles = lock_for_change(session, user_id)
            rules.may_change(roles)
            held = session.exec(select(func.count()).where(col(ApiTokenRow.user_id) == user_id)).one()
            if held >= limit:
                raise Conflict(
                    f"this account already has {held} API tokens, the most allowed; revoke one first "
                    "(DELETE /users/me/api-tokens/{id})"
                )
            row = ApiTokenRow(
                user_id=user_id,
                name=name,
                token_hash=token_hash,
                scopes=" ".join(sorted(scopes)),
                created_at=now,
                expires_at=expires_at,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict(f"you already have an API token named {name!r}; choose another name") from None
            record = _record(row)
            session.commit()
            return record

    def of_user(self, user_id: int) -> list[ApiTokenRecord]:
        query = select(ApiTokenRow).where(col(ApiTokenRow.user_id) == user_id).order_by(col(ApiTokenRow.id))
        with Session(self._engine) as session:
            return [_record(row) for row in session.exec(query)]

    def lookup(self, token_hash: str, *, now: float) -> ApiTokenRecord | None:
        """The token with this digest, noting that it was used (at most once a minute)."""
        with Session(self._engine) as session:
            row = session.exec(select(ApiTokenRow).where(col(ApiTokenRow.token_hash) == token_hash)).first()
            if row is None:
                return None
            record = _record(row)
            if record.last_used_at is None or record.last_used_at < now - TOUCH_EVERY_SECONDS:
                stale = or_(
                    col(ApiTokenRow.last_used_at).is_(None),
                    col(ApiTokenRow.last_used_at) < now - TOUCH_EVERY_SECONDS,
                )
                session.exec(
                    update(ApiTokenRow).where(col(ApiTokenRow.id) == row.id, stale).values(last_used_at=now)
                )
                session.commit()
            return record

    def revoke(self, *, user_id: int, token_id: int, rules: ChangeRules) -> ApiTokenRecord:
        """Delete one token of one user; `NotFound` when that user has no such token."""
        with Session(self._engine) as session:
            _row, roles = lock_for_change(session, user_id)
            rules.may_change(roles)
            condition = (col(ApiTokenRow.id) == token_id, col(ApiTokenRow.user_id) == user_id)
            row = session.exec(select(ApiTokenRow).where(*condition)).first()
            if row is None:
                raise NotFound(f"no API token with id {token_id}; GET .../api-tokens lists them")
            record = _record(row)
            session.exec(delete(ApiTokenRow).where(*condition))
            session.commit()
            return record

    def revoke_by_hash(self, token_hash: str) -> ApiTokenRecord | None:
        """RFC 7009: whoever holds the token may end it."""
        with Session(self._engine) as session:
            row = session.exec(select(ApiTokenRow).where(col(ApiTokenRow.token_hash) == token_hash)).first()
            if row is None:
                return None
            record = _record(row)
            session.exec(delete(ApiTokenRow).where(col(ApiTokenRow.id) == record.id))
            session.commit()
            return record

    def delete_expired(self, *, now: float, batch: int = 1000) -> int:
        """Forget up to `batch` expired tokens: they open nothing, and a bounded delete holds no long lock."""
        expired = select(ApiTokenRow.id).where(col(ApiTokenRow.expires_at) <= now).limit(batch)
        with Session(self._engine) as session:
            removed = session.exec(delete(ApiTokenRow).where(col(ApiTokenRow.id).in_(expired))).rowcount
            session.commit()
            return int(removed)


def _record(row: ApiTokenRow) -> ApiTokenRecord:
    assert row.id is not None
    return ApiTokenRecord(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        scopes=frozenset(row.scopes.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
    )
