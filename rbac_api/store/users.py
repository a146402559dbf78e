"""User accounts. Synchronous functions raising domain errors; callers run them in a thread."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import ColumnElement, Engine, delete, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rbac_api.core.errors import Conflict, InvalidInput, NotFound
from rbac_api.store.change_rules import ChangeRules, lock_for_change, require_administrator
from rbac_api.store.tables import (
    MAX_USER_ID,
    MembershipRow,
    OrganizationRow,
    ServiceClientRow,
    SessionRow,
    UserRoleRow,
    UserRow,
    utcnow,
)


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
    #: A service account: it authenticates as an OAuth2 client, never with a password.
    service_account: bool = False


NO_MEMBERSHIPS: Mapping[str, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class UserState:
    """What authentication needs to know about a token's user, cached for `user_cache_seconds`.

    Carries the whole record so `GET /users/me` is answered from the same cache, with the same bound.
    """

    record: UserRecord
    roles: frozenset[str]
    #: Organization name -> the roles the user holds there. (A factory: dataclasses refuse an unhashable
    #: default such as a mappingproxy.)
    memberships: Mapping[str, frozenset[str]] = field(default_factory=lambda: NO_MEMBERSHIPS)

    @property
    def disabled(self) -> bool:
        return self.record.disabled

    @property
    def token_version(self) -> int:
        return self.record.token_version


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a password check needs and nothing more, so a login reads the same whether or not it succeeds."""

    id: int
    password_hash: str
    disabled: bool
    #: Issued in the token: a password change or disable between this read and the token kills the token.
    token_version: int
    service_account: bool


_UNSET: object = object()
_CREDENTIALS = sa_select(
    col(UserRow.id),
    col(UserRow.hashed_password),
    col(UserRow.disabled),
    col(UserRow.token_version),
    col(UserRow.service_account),
)
Apply = Callable[[Session, UserRow, frozenset[str]], None]


class UserStore:
    """Reads by name or id; every change by id, in one transaction checked against `ChangeRules`."""

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
        service_client: Callable[[int], ServiceClientRow] | None = None,
    ) -> UserRecord:
        """A new account; with `service_client`, a service account and its OAuth2 client, in one
        transaction."""
        with Session(self._engine) as session:
            row = UserRow(
                username=username,
                hashed_password=password_hash,
                email=email,
                full_name=full_name,
                service_account=service_client is not None,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict(f"username {username!r} is already taken") from None
            assert row.id is not None
            session.add_all(UserRoleRow(user_id=row.id, role=role) for role in sorted(set(roles)))
            if service_client is not None:
                session.add(service_client(row.id))
            session.commit()
            return self._record(session, row)

    def get(self, username: str) -> UserRecord:
        with Session(self._engine) as session:
            return self._record(session, self._row(session, username))

    def id_of(self, username: str) -> int:
        """The id behind a stored user name: resolve once, then change by id."""
        with Session(self._engine) as session:
            found = session.exec(select(UserRow.id).where(UserRow.username == username)).first()
        if found is None:
            raise NotFound(f"user {username!r} not found")
        return found

    def count(self) -> int:
        with Session(self._engine) as session:
            return len(session.exec(select(UserRow.id).limit(1)).all())

    def credentials(self, username: str) -> Credentials | None:
        """For login: one query, the same whether the user exists or the password will verify."""
        return self._credentials(col(UserRow.username) == username)

    def credentials_of(self, user_id: int) -> Credentials | None:
        return self._credentials(col(UserRow.id) == user_id)

    def _credentials(self, condition: ColumnElement[bool]) -> Credentials | None:
        with Session(self._engine) as session:
            found = session.execute(_CREDENTIALS.where(condition)).first()
        return None if found is None else Credentials(*found)

    def state(self, user_id: int) -> UserState | None:
        """Two indexed queries: the user's row joined with their roles, then their memberships."""
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
            memberships = _memberships_of(session, user_id)
            return UserState(self._build(rows[0][0], roles), frozenset(roles), memberships)

    def page(self, *, limit: int, cursor: str | None) -> tuple[list[UserRecord], str | None]:
        # A cursor past the largest possible id is a valid, empty page, never an overflow of the column.
        after = min(decode_cursor(cursor), MAX_USER_ID) if cursor else 0
        with Session(self._engine) as session:
            query = select(UserRow).where(col(UserRow.id) > after).order_by(col(UserRow.id)).limit(limit + 1)
            rows = list(session.exec(query).all())
            roles = self._roles_of(session, [r.id for r in rows[:limit] if r.id is not None])
            records = [self._build(row, roles.get(row.id or 0, ())) for row in rows[:limit]]
        next_cursor = encode_cursor(records[-1].id) if len(rows) > limit else None
        return records, next_cursor

    def update(
        self,
        *,
        user_id: int,
        rules: ChangeRules,
        email: object = _UNSET,
        full_name: object = _UNSET,
        disabled: object = _UNSET,
    ) -> UserRecord:
        """Change profile fields or `disabled`; disabling also bumps token_version, so live tokens stay dead
        when the account is enabled again."""

        def apply(_session: Session, row: UserRow, _roles: frozenset[str]) -> None:
            for name, value in (("email", email), ("full_name", full_name), ("disabled", disabled)):
                if value is not _UNSET:
                    setattr(row, name, value)
            if disabled is True:
                row.token_version += 1

        return self._change(user_id, rules, apply)

    def delete(self, *, user_id: int, rules: ChangeRules) -> UserRecord:
        """Delete the account (its role links go with it); returns it as it was."""

        def apply(session: Session, row: UserRow, _roles: frozenset[str]) -> None:
            session.exec(delete(UserRoleRow).where(col(UserRoleRow.user_id) == user_id))
            session.delete(row)

        return self._change(user_id, rules, apply, deletes=True)

    def add_role(self, *, user_id: int, role: str, rules: ChangeRules) -> UserRecord:
        def apply(session: Session, _row: UserRow, roles: frozenset[str]) -> None:
            if role not in roles:
                session.add(UserRoleRow(user_id=user_id, role=role))

        return self._change(user_id, rules, apply)

    def remove_role(self, *, user_id: int, role: str, rules: ChangeRules) -> UserRecord:
        def apply(session: Session, row: UserRow, roles: frozenset[str]) -> None:
            if role not in roles:
                raise NotFound(f"user {row.username!r} does not have role {role!r}")
            session.exec(
                delete(UserRoleRow).where(col(UserRoleRow.user_id) == user_id, col(UserRoleRow.role) == role)
            )

        return self._change(user_id, rules, apply)

    def set_roles(self, *, user_id: int, roles: Iterable[str], rules: ChangeRules) -> UserRecord:
        wanted = sorted(set(roles))

        def apply(session: Session, _row: UserRow, _roles: frozenset[str]) -> None:
            session.exec(delete(UserRoleRow).where(col(UserRoleRow.user_id) == user_id))
            session.add_all(UserRoleRow(user_id=user_id, role=role) for role in wanted)

        return self._change(user_id, rules, apply)

    def end_sessions(self, *, user_id: int, rules: ChangeRules) -> UserRecord:
        """Bump token_version (every access token and session of the user dies with it) and mark the
        sessions ended, in one transaction."""

        def apply(session: Session, row: UserRow, _roles: frozenset[str]) -> None:
            row.token_version += 1
            session.exec(
                update(SessionRow)
                .where(col(SessionRow.user_id) == user_id, col(SessionRow.revoked_at).is_(None))
                .values(revoked_at=time.time())
            )

        return self._change(user_id, rules, apply)

    def end_session(self, *, user_id: int, public_id: str, rules: ChangeRules) -> UserRecord:
        """Mark one session of the user ended, in the same transaction as the rules' checks; the update
        names the user too, so a session of anybody else is `NotFound` and stays live. Ending an ended
        session changes nothing (when it ended stays recorded)."""

        def apply(session: Session, _row: UserRow, _roles: frozenset[str]) -> None:
            ended = session.exec(
                update(SessionRow)
                .where(col(SessionRow.user_id) == user_id, col(SessionRow.public_id) == public_id)
                .values(revoked_at=func.coalesce(col(SessionRow.revoked_at), time.time()))
            )
            if ended.rowcount != 1:
                raise NotFound(f"no session {public_id!r} of this user; GET /users/NAME/sessions lists them")

        return self._change(user_id, rules, apply)

    def replace_password(self, *, user_id: int, read_hash: str, new_hash: str) -> None:
        """A password change: only if the hash is still the one the old password was verified against.

        Bumps token_version, which ends every live token. `Conflict` when another change came first.
        """
        values = {"token_version": col(UserRow.token_version) + 1}
        if not self._swap_hash(user_id, read_hash, new_hash, **values):
            raise Conflict("the password was changed meanwhile; retry with the current password")

    def upgrade_hash(self, *, user_id: int, read_hash: str, new_hash: str) -> bool:
        """Store a stronger hash of the same password, unless the password changed since it was verified."""
        return self._swap_hash(user_id, read_hash, new_hash)

    def _swap_hash(self, user_id: int, read_hash: str, new_hash: str, **values: object) -> bool:
        """Compare-and-set on the hash: a write based on a stale read must not restore an old password."""
        statement = (
            update(UserRow)
            .where(col(UserRow.id) == user_id, col(UserRow.hashed_password) == read_hash)
            .values(hashed_password=new_hash, updated_at=utcnow(), **values)
        )
        with Session(self._engine) as session:
            written = session.exec(statement).rowcount
            session.commit()
        return written == 1

    def _change(self, user_id: int, rules: ChangeRules, apply: Apply, *, deletes: bool = False) -> UserRecord:
        """Run `apply` on the user's row in one transaction that checks `rules` before committing."""
        with Session(self._engine) as session:
            row, roles = lock_for_change(session, user_id)
            rules.may_change(roles)
            before = self._build(row, tuple(sorted(roles)))
            apply(session, row, roles)
            session.flush()
            if rules.administrators is not None and rules.is_administrator(roles, disabled=before.disabled):
                require_administrator(session, rules.administrators)
            record = before if deletes else self._record(session, row)
            session.commit()
            return record

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
            service_account=row.service_account,
        )


def _memberships_of(session: Session, user_id: int) -> Mapping[str, frozenset[str]]:
    """Organization name -> the user's roles there, by the index on `memberships.user_id`."""
    query = (
        select(OrganizationRow.name, MembershipRow.role)
        .join(OrganizationRow, col(OrganizationRow.id) == col(MembershipRow.organization_id))
        .where(MembershipRow.user_id == user_id)
    )
    found: dict[str, set[str]] = {}
    for name, role in session.exec(query):
        found.setdefault(name, set()).add(role)
    if not found:
        return NO_MEMBERSHIPS
    return MappingProxyType({name: frozenset(roles) for name, roles in found.items()})


#: Every cursor `encode_cursor` can hand out, and nothing else: unpadded base64url of `u:` and 1 to 18
#: ASCII digits. `u:` and the first digit make `dTo` and one of `w`-`5`; each further three digits make
#: four characters (a digit's high bits give `M`/`N`/`O`, and so on); one or two digits left over make two
#: or three. Declared in the OpenAPI document, so that a client (or a fuzzer) can tell a cursor from junk.
CURSOR_PATTERN = (
    r"^dTo[w-z0-5](?:(?:[MN][DTjz]|O[DT])[AEIMQUYcgk][w-z0-5]){0,5}"
    r"(?:(?:[MN][DTjz]|O[DT])[AEIMQUYcgk]|[MN][AQgw]|O[AQ])?$"
)
CURSOR_MESSAGE = "cursor is not one this API returned; pass next_cursor as given"
_CURSOR = re.compile(CURSOR_PATTERN)


def encode_cursor(user_id: int) -> str:
    """The cursor after `user_id`: also after an organization's id, for every keyset listing by id."""
    return base64.urlsafe_b64encode(f"u:{user_id}".encode()).decode().rstrip("=")


def is_cursor(cursor: str) -> bool:
    """True for a string `encode_cursor` could have returned (leading zeros in the id aside)."""
    return _CURSOR.fullmatch(cursor) is not None


def decode_cursor(cursor: str) -> int:
    """The id a cursor points after; `InvalidInput` for anything we did not hand out."""
    if not is_cursor(cursor):
        raise InvalidInput(CURSOR_MESSAGE, field="cursor")
    return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[2:])


def every_user(users: UserStore, *, batch: int = 500) -> Iterator[UserRecord]:
    """Every account in id order, a page at a time (the CLI's list, export and import)."""
    cursor: str | None = None
    while True:
        records, cursor = users.page(limit=batch, cursor=cursor)
        yield from records
        if cursor is None:
            return
