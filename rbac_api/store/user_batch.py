"""Many accounts created and changed in one transaction: all of them, or none (`rbac-api users import`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rbac_api.core.errors import Conflict
from rbac_api.store.change_rules import ChangeRules, require_administrator
from rbac_api.store.tables import UserRoleRow, UserRow, utcnow

#: Ids per `IN (...)`: well under every database's limit on bound parameters.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class NewAccount:
    username: str
    password_hash: str
    email: str | None
    full_name: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccountChange:
    """None keeps the stored value. A new password hash also ends the account's live tokens."""

    user_id: int
    email: str | None = None
    full_name: str | None = None
    roles: tuple[str, ...] | None = None
    password_hash: str | None = None


def write_batch(
    engine: Engine, *, new: Sequence[NewAccount], changes: Sequence[AccountChange], rules: ChangeRules
) -> None:
    """Apply every change and create every account in one transaction, or raise having written nothing.

    `Conflict` when an account to change was deleted or a new name taken meanwhile; `LastAdministrator`
    under `rules`, checked after the writes and before the commit, as for a single change.
    """
    with Session(engine) as session:
        demotes_administrator = _lock(session, changes, rules)
        for change in changes:
            _update(session, change)
        _replace_roles(session, [c for c in changes if c.roles is not None])
        _create(session, new)
        if demotes_administrator and rules.administrators is not None:
            require_administrator(session, rules.administrators)
        session.commit()


def _lock(session: Session, changes: Sequence[AccountChange], rules: ChangeRules) -> bool:
    """Write first (see `lock_for_change`), then tell whether a role change touches an administrator."""
    ids = [change.user_id for change in changes]
    touched = sum(
        session.exec(update(UserRow).where(col(UserRow.id).in_(part)).values(updated_at=utcnow())).rowcount
        for part in _chunks(ids)
    )
    if touched != len(ids):
        raise Conflict("an account in the file was deleted meanwhile; run the import again")
    recast = [change.user_id for change in changes if change.roles is not None]
    return any(
        rules.is_administrator(roles, disabled=disabled) for disabled, roles in _states(session, recast)
    )


def _states(session: Session, ids: list[int]) -> Iterator[tuple[bool, frozenset[str]]]:
    """(disabled, roles) of each account in `ids`, as this transaction sees them."""
    for part in _chunks(ids):
        roles: dict[int, set[str]] = {user_id: set() for user_id in part}
        links = select(UserRoleRow.user_id, UserRoleRow.role).where(col(UserRoleRow.user_id).in_(part))
        for holder, role in session.exec(links):
            roles[holder].add(role)
        accounts = select(UserRow.id, UserRow.disabled).where(col(UserRow.id).in_(part))
        for user_id, disabled in session.exec(accounts):
            yield disabled, frozenset(roles[user_id or 0])


def _update(session: Session, change: AccountChange) -> None:
    values: dict[str, object] = {
        name: value
        for name, value in (("email", change.email), ("full_name", change.full_name))
        if value is not None
    }
    if change.password_hash is not None:
        values.update(hashed_password=change.password_hash, token_version=col(UserRow.token_version) + 1)
    if values:
        session.exec(update(UserRow).where(col(UserRow.id) == change.user_id).values(**values))


def _replace_roles(session: Session, changes: Sequence[AccountChange]) -> None:
    for part in _chunks([change.user_id for change in changes]):
        session.exec(delete(UserRoleRow).where(col(UserRoleRow.user_id).in_(part)))
    links = [{"user_id": c.user_id, "role": role} for c in changes for role in c.roles or ()]
    if links:
        session.connection().execute(insert(UserRoleRow), links)


def _create(session: Session, new: Sequence[NewAccount]) -> None:
    rows = [
        UserRow(username=a.username, hashed_password=a.password_hash, email=a.email, full_name=a.full_name)
        for a in new
    ]
    session.add_all(rows)
    try:
        session.flush()
    except IntegrityError as exc:
        if "unique" not in str(exc.orig).lower():
            raise
        raise Conflict("a user name in the file was taken meanwhile; run the import again") from None
    links = [{"user_id": row.id, "role": role} for row, a in zip(rows, new, strict=True) for role in a.roles]
    if links:
        session.connection().execute(insert(UserRoleRow), links)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
