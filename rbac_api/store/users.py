"""User accounts. Keyword-only, synchronous functions raising domain errors; callers run them in a thread."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rbac_api.errors import Conflict, InvalidInput, NotFound
from rbac_api.store.tables import UserRoleRow, UserRow, utcnow


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as the rest of the package sees it: never carries the password hash."""

    id: int
    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    roles: tuple[str, ...]
    token_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UserState:
    """What authentication needs to know about a token's user, cached for `user_cache_seconds`.

    Carries the whole record so `GET /users/me` is answered from the same cache, with the same bound.
    """

    record: UserRecord
    roles: frozenset[str]

    @property
    def disabled(self) -> bool:
        return self.record.disabled

    @property
    def token_version(self) -> int:
        return self.record.token_version


_UNSET: object = object()


class UserStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        *,
        username: str,
        password_hash: str,
        email: str | None,
        full_name: str | None,
        roles: Iterable[str],
    ) -> UserRecord:
        with Session(self._engine) as session:
            row = UserRow(username=username, hashed_password=password_hash, email=email, full_name=full_name)
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict(f"username {username!r} is already taken") from None
            assert row.id is not None
            session.add_all(UserRoleRow(user_id=row.id, role=role) for role in sorted(set(roles)))
            session.commit()
            return self._record(session, row)

    def get(self, username: str) -> UserRecord:
        with Session(self._engine) as session:
            return self._record(session, self._row(session, username))

    def count(self) -> int:
        with Session(self._engine) as session:
            return len(session.exec(select(UserRow.id).limit(1)).all())

    def credentials(self, username: str) -> tuple[UserRecord, str] | None:
        """The user and their password hash, for login only."""
        with Session(self._engine) as session:
            row = session.exec(select(UserRow).where(UserRow.username == username)).first()
            return None if row is None else (self._record(session, row), row.hashed_password)

    def state(self, user_id: int) -> UserState | None:
        """One indexed query: the user's row joined with their roles."""
        query = (
            select(UserRow, UserRoleRow.role)
            .outerjoin(UserRoleRow, col(UserRoleRow.user_id) == col(UserRow.id))
            .where(UserRow.id == user_id)
            .order_by(col(UserRoleRow.role))
        )
        with Session(self._engine) as session:
            rows = session.exec(query).all()
            if not rows:
                return None
            roles = tuple(role for _, role in rows if role is not None)
            return UserState(self._build(rows[0][0], roles), frozenset(roles))

    def page(self, *, limit: int, cursor: str | None) -> tuple[list[UserRecord], str | None]:
        after = decode_cursor(cursor) if cursor else 0
        with Session(self._engine) as session:
            query = select(UserRow).where(col(UserRow.id) > after).order_by(col(UserRow.id)).limit(limit + 1)
            rows = list(session.exec(query).all())
            roles = self._roles_of(session, [r.id for r in rows[:limit] if r.id is not None])
            records = [self._build(row, roles.get(row.id or 0, ())) for row in rows[:limit]]
        next_cursor = encode_cursor(records[-1].id) if len(rows) > limit else None
        return records, next_cursor

    def update(
        self, username: str, *, email: object = _UNSET, full_name: object = _UNSET, disabled: object = _UNSET
    ) -> UserRecord:
        with Session(self._engine) as session:
            row = self._row(session, username)
            for name, value in (("email", email), ("full_name", full_name), ("disabled", disabled)):
                if value is not _UNSET:
                    setattr(row, name, value)
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            return self._record(session, row)

    def set_password(self, user_id: int, password_hash: str, *, revoke_tokens: bool) -> None:
        """Store a new hash; `revoke_tokens` bumps token_version so every live token stops working."""
        values: dict[str, object] = {"hashed_password": password_hash, "updated_at": utcnow()}
        if revoke_tokens:
            values["token_version"] = col(UserRow.token_version) + 1
        with Session(self._engine) as session:
            session.exec(update(UserRow).where(col(UserRow.id) == user_id).values(**values))
            session.commit()

    def delete(self, username: str) -> UserRecord:
        with Session(self._engine) as session:
            row = self._row(session, username)
            record = self._record(session, row)
            session.exec(delete(UserRoleRow).where(col(UserRoleRow.user_id) == row.id))
            session.delete(row)
            session.commit()
            return record

    def add_role(self, username: str, role: str) -> UserRecord:
        with Session(self._engine) as session:
            row = self._row(session, username)
            assert row.id is not None
            if session.get(UserRoleRow, (row.id, role)) is None:
                session.add(UserRoleRow(user_id=row.id, role=role))
                row.updated_at = utcnow()
                session.add(row)
                session.commit()
            return self._record(session, row)

    def remove_role(self, username: str, role: str) -> UserRecord:
        with Session(self._engine) as session:
            row = self._row(session, username)
            link = session.get(UserRoleRow, (row.id, role))
            if link is None:
                raise NotFound(f"user {username!r} does not have role {role!r}")
            session.delete(link)
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            return self._record(session, row)

    def set_roles(self, username: str, roles: Iterable[str]) -> UserRecord:
        with Session(self._engine) as session:
            row = self._row(session, username)
            session.exec(delete(UserRoleRow).where(col(UserRoleRow.user_id) == row.id))
            assert row.id is not None
            session.add_all(UserRoleRow(user_id=row.id, role=role) for role in sorted(set(roles)))
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            return self._record(session, row)

    def _row(self, session: Session, username: str) -> UserRow:
        row = session.exec(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            raise NotFound(f"user {username!r} not found")
        return row

    def _roles_of(self, session: Session, user_ids: list[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        query = (
            select(UserRoleRow).where(col(UserRoleRow.user_id).in_(user_ids)).order_by(col(UserRoleRow.role))
        )
        for link in session.exec(query):
            found.setdefault(link.user_id, []).append(link.role)
        return {user_id: tuple(roles) for user_id, roles in found.items()}

    def _record(self, session: Session, row: UserRow) -> UserRecord:
        assert row.id is not None
        return self._build(row, self._roles_of(session, [row.id]).get(row.id, ()))

    @staticmethod
    def _build(row: UserRow, roles: tuple[str, ...]) -> UserRecord:
        assert row.id is not None
        return UserRecord(
            id=row.id,
            username=row.username,
            email=row.email,
            full_name=row.full_name,
            disabled=row.disabled,
            roles=roles,
            token_version=row.token_version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def encode_cursor(user_id: int) -> str:
    return base64.urlsafe_b64encode(f"u:{user_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor points after; `InvalidInput` for anything we did not hand out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "u" or not number.isdigit() or len(number) > 18:
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not one this API returned; pass next_cursor as given", field="cursor"
        ) from None
