"""Organizations and the roles their members hold in them. Synchronous functions raising domain errors;
callers run them in a thread.

A member holds one `memberships` row per role. Every change to a member's roles runs in one transaction
that first locks the organization's row, then reads the roles it replaces: concurrent changes in one
organization take turns, and the caller's rules are checked against what is really there.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rbac_api.core.errors import Conflict, NotFound
from rbac_api.store.change_rules import ChangeRules
from rbac_api.store.names import normalize_name
from rbac_api.store.tables import (
    MAX_USER_ID,
    ORGANIZATION_NAME_MAX,
    MembershipRow,
    OrganizationRow,
    UserRow,
)
from rbac_api.store.users import decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class OrganizationRecord:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member of one organization and the roles they hold there (sorted)."""

    user_id: int
    username: str
    roles: tuple[str, ...]


def normalize_organization_name(raw: str) -> str:
    """The stored spelling of organization name `raw`, by the user-name rules; `InvalidInput` on `name`."""
    return normalize_name(raw, field="name", max_length=ORGANIZATION_NAME_MAX)


class OrganizationStore:
    """Organizations by name or id; memberships changed by ids, each change in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, name: str) -> OrganizationRecord:
        with Session(self._engine) as session:
            row = OrganizationRow(name=name)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise Conflict(f"organization {name!r} already exists") from None
            return _record(row)

    def get(self, name: str) -> OrganizationRecord:
        with Session(self._engine) as session:
            row = session.exec(select(OrganizationRow).where(OrganizationRow.name == name)).first()
        if row is None:
            raise NotFound(f"organization {name!r} not found")
        return _record(row)

    def page(
        self, *, limit: int, cursor: str | None, names: Collection[str] | None = None
    ) -> tuple[list[OrganizationRecord], str | None]:
        """Organizations in id order after `cursor`: all of them, or only those named in `names`."""
        after = min(decode_cursor(cursor), MAX_USER_ID) if cursor else 0
        query = select(OrganizationRow).where(col(OrganizationRow.id) > after)
        if names is not None:
            query = query.where(col(OrganizationRow.name).in_(sorted(names)))
        with Session(self._engine) as session:
            rows = session.exec(query.order_by(col(OrganizationRow.id)).limit(limit + 1)).all()
        records = [_record(row) for row in rows[:limit]]
        return records, encode_cursor(records[-1].id) if len(rows) > limit else None

    def members(
        self, *, organization_id: int, limit: int, cursor: str | None
    ) -> tuple[list[MemberRecord], str | None]:
        """The organization's members in user-id order after `cursor`, each with their roles there."""
        after = min(decode_cursor(cursor), MAX_USER_ID) if cursor else 0
        in_organization = col(MembershipRow.organization_id) == organization_id
        ids_query = (
            select(MembershipRow.user_id)
            .where(in_organization, col(MembershipRow.user_id) > after)
            .distinct()
            .order_by(col(MembershipRow.user_id))
            .limit(limit + 1)
        )
        with Session(self._engine) as session:
            ids = list(session.exec(ids_query).all())
            rows = session.exec(
                select(UserRow.id, UserRow.username, MembershipRow.role)
                .join(UserRow, col(UserRow.id) == col(MembershipRow.user_id))
                .where(in_organization, col(MembershipRow.user_id).in_(ids[:limit]))
                .order_by(col(MembershipRow.user_id), col(MembershipRow.role))
            ).all()
        members: dict[int, tuple[str, list[str]]] = {}
        for user_id, username, role in rows:
            assert user_id is not None
            members.setdefault(user_id, (username, []))[1].append(role)
        records = [MemberRecord(uid, name, tuple(roles)) for uid, (name, roles) in members.items()]
        return records, encode_cursor(ids[limit - 1]) if len(ids) > limit else None

    def replace_roles(
        self, *, organization_id: int, user_id: int, roles: Iterable[str], rules: ChangeRules
    ) -> frozenset[str]:
        """Make `roles` the member's whole set of roles in the organization (none: no longer a member).

        `rules.may_change` sees every role given or taken away, read inside the transaction. Returns the
        roles the member held before.
        """
        wanted = frozenset(roles)
        with Session(self._engine) as session:
            _lock(session, organization_id)
            before = frozenset(
                session.exec(
                    select(MembershipRow.role).where(
                        MembershipRow.organization_id == organization_id, MembershipRow.user_id == user_id
                    )
                ).all()
            )
            rules.may_change(before ^ wanted)
            _write_roles(session, organization_id, user_id, before, wanted)
            session.commit()
        return before

    def delete(self, *, organization_id: int) -> None:
        """Delete the organization; its memberships go with it (the foreign keys cascade)."""
        with Session(self._engine) as session:
            _lock(session, organization_id)
            session.exec(delete(OrganizationRow).where(col(OrganizationRow.id) == organization_id))
            session.commit()


def _lock(session: Session, organization_id: int) -> None:
    """Open the write transaction with an UPDATE of the organization's row (as `lock_for_change` does for a
    user): on SQLite it takes the database's write lock and reads the latest commit, on PostgreSQL it
    locks the row, so a concurrent change to the organization waits here and then sees this one."""
    touched = session.exec(
        update(OrganizationRow)
        .where(col(OrganizationRow.id) == organization_id)
        .values(name=col(OrganizationRow.name))
    )
    if touched.rowcount == 0:
        raise NotFound(f"organization with id {organization_id} not found")


def _write_roles(
    session: Session, organization_id: int, user_id: int, before: frozenset[str], wanted: frozenset[str]
) -> None:
    gone = before - wanted
    if gone:
        session.exec(
            delete(MembershipRow).where(
                col(MembershipRow.organization_id) == organization_id,
                col(MembershipRow.user_id) == user_id,
                col(MembershipRow.role).in_(sorted(gone)),
            )
        )
    session.add_all(
        MembershipRow(organization_id=organization_id, user_id=user_id, role=role)
        for role in sorted(wanted - before)
    )
    try:
        session.flush()
    except IntegrityError:  # the user was deleted since the caller resolved the name
        raise NotFound(f"user with id {user_id} not found") from None


def _record(row: OrganizationRow) -> OrganizationRecord:
    assert row.id is not None
    return OrganizationRecord(id=row.id, name=row.name, created_at=row.created_at)
