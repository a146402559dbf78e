"""What every change to an account is checked against, inside the change's own transaction.

The checks read the database after the write and before the commit, while the transaction holds the lock
that a concurrent change needs too: two administrators demoting each other at once cannot both see the
other one still in place. The store does not know the policy; the caller says what the rules are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import not_, text, update
from sqlmodel import Session, col, select

from rbac_api.core.errors import LastAdministrator, NotFound
from rbac_api.store.tables import UserRoleRow, UserRow, utcnow

#: Key of the PostgreSQL advisory lock that serialises the administrator check (any constant will do).
ADMINISTRATOR_LOCK = 0x72626163


def _anyone(_roles: frozenset[str]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class ChangeRules:
    """The rules one change must respect.

    `may_change` raises (a domain error) when the caller may not change an account holding `roles`.
    `administrators` describes an administrator: an enabled account with at least one role of every
    group. When set, a change that turns the last administrator into a non-administrator (deletion, disable,
    lost role) raises `LastAdministrator`. `ChangeRules()` checks nothing: for set-up code and tests only.
    """

    may_change: Callable[[frozenset[str]], None] = _anyone
    administrators: tuple[frozenset[str], ...] | None = None

    def is_administrator(self, roles: frozenset[str], *, disabled: bool) -> bool:
        groups = self.administrators
        return groups is not None and not disabled and all(roles & group for group in groups)


def lock_for_change(session: Session, user_id: int) -> tuple[UserRow, frozenset[str]]:
    """Open the write transaction with an UPDATE of the user's row, then read the row and its roles.

    Writing first matters on SQLite: pysqlite begins a transaction only at the first write, and a
    transaction that starts by writing holds the database's write lock and reads the latest commit. A
    concurrent change waits here, then sees this one. On PostgreSQL the UPDATE locks the row.
    """
    touched = session.exec(update(UserRow).where(col(UserRow.id) == user_id).values(updated_at=utcnow()))
    if touched.rowcount == 0:
        raise NotFound(f"user with id {user_id} not found")
    row = session.get_one(UserRow, user_id)
    links = session.exec(select(UserRoleRow.role).where(UserRoleRow.user_id == user_id)).all()
    return row, frozenset(links)


def require_administrator(session: Session, groups: tuple[frozenset[str], ...]) -> None:
    """Raise `LastAdministrator` unless some enabled account, as this transaction sees it, qualifies."""
    if session.get_bind().dialect.name == "postgresql":
        # READ COMMITTED: the query below then sees whatever a concurrent change committed before it.
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMINISTRATOR_LOCK})
    # `id IN (holders of a role)` rather than a correlated EXISTS: SQLite then starts from the role index
    # instead of reading every user (PostgreSQL plans both forms alike).
    query = select(UserRow.id).where(not_(col(UserRow.disabled)))
    for group in groups:
        holders = select(UserRoleRow.user_id).where(col(UserRoleRow.role).in_(group))
        query = query.where(col(UserRow.id).in_(holders))
    if session.exec(query.limit(1)).first() is None:
        raise LastAdministrator()
