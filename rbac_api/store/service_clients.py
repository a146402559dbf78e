"""The OAuth2 clients of service accounts: public ids and secret digests. Synchronous, run in a thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from rbac_api.core.errors import InvalidInput, NotFound
from rbac_api.store.change_rules import ChangeRules, lock_for_change
from rbac_api.store.tables import ServiceClientRow, UserRow


@dataclass(frozen=True, slots=True)
class ServiceClient:
    """A client as authentication needs it, with its account's state read in the same query."""

    user_id: int
    username: str
    client_id: str
    secret_hash: str
    previous_secret_hash: str | None
    previous_expires_at: float | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class Rotation:
    client_id: str
    previous_expires_at: float


_CLIENT = select(ServiceClientRow, UserRow.username, UserRow.disabled).join(
    UserRow, col(UserRow.id) == col(ServiceClientRow.user_id)
)


class ServiceClientStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, client_id: str) -> ServiceClient | None:
        with Session(self._engine) as session:
            found = session.exec(_CLIENT.where(col(ServiceClientRow.client_id) == client_id)).first()
        if found is None:
            return None
        row, username, disabled = found
        return ServiceClient(
            user_id=row.user_id,
            username=username,
            client_id=row.client_id,
            secret_hash=row.secret_hash,
            previous_secret_hash=row.previous_secret_hash,
            previous_expires_at=row.previous_expires_at,
            disabled=disabled,
        )

    def rotate(
        self, *, user_id: int, new_hash: str, now: float, overlap_until: float, rules: ChangeRules
    ) -> Rotation:
        """Make `new_hash` the secret; the current one keeps working until `overlap_until`, and one rotated
        out before it stops now. Under the account's row lock: two rotations at once run one after the other,
        and neither restores a secret the other retired."""
        with Session(self._engine) as session:
            _row, roles = lock_for_change(session, user_id)
            rules.may_change(roles)
            client = session.get(ServiceClientRow, user_id)
            if client is None:
                raise NotFound("this account is not a service account; only those have a client secret")
            session.exec(
                update(ServiceClientRow)
                .where(col(ServiceClientRow.user_id) == user_id)
                .values(
                    secret_hash=new_hash,
                    previous_secret_hash=client.secret_hash,
                    previous_expires_at=overlap_until,
                    rotated_at=now,
                )
            )
            rotation = Rotation(client.client_id, overlap_until)
            session.commit()
            return rotation

    def client_id_of(self, user_id: int) -> str:
        with Session(self._engine) as session:
            found = session.exec(
                select(ServiceClientRow.client_id).where(col(ServiceClientRow.user_id) == user_id)
            ).first()
        if found is None:
            raise InvalidInput("this account is not a service account")
        return found
