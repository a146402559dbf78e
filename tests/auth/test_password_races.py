"""Every password write is conditional on the hash it was based on: a racing write never undoes another.

The races are reproduced deterministically: the real hasher, right after a verification, lets "another
request" change the password (committed in the real database) before the code under test writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from passlib.context import CryptContext
from sqlalchemy import Engine, text

from rbac_api import create_app
from rbac_api.core.errors import Conflict
from rbac_api.core.passwords import PasswordHasher, Verification
from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer, make_settings
from tests.graphql.conftest import codes, gql

THEIRS = "the password set meanwhile"
MINE = "the password i asked for"


def change_password_elsewhere(db: Engine, user_id: int, new_password: str) -> None:
    """What a password change on another instance commits."""
    new_hash = CryptContext(schemes=["bcrypt"], bcrypt__rounds=4).hash(new_password)
    with db.begin() as connection:
        connection.execute(
            text("UPDATE users SET hashed_password = :h, token_version = token_version + 1 WHERE id = :id"),
            {"h": new_hash, "id": user_id},
        )


class InterleavingHasher(PasswordHasher):
    """The real hasher; once armed, the next verification is followed by a concurrent password change."""

    def __init__(self, rounds: int, db: Engine) -> None:
        super().__init__(rounds)
        self._db = db
        self.armed_for: int | None = None

    async def verify(self, password: str, stored_hash: str | None) -> Verification:
        result = await super().verify(password, stored_hash)
        if self.armed_for is not None:
            change_password_elsewhere(self._db, self.armed_for, THEIRS)
            self.armed_for = None
        return result


@pytest.fixture
def racing(rbac: Rbac, client: TestClient) -> InterleavingHasher:
    hasher = InterleavingHasher(rbac.settings.bcrypt_rounds, rbac.db)
    client.app.state.rbac = dataclasses.replace(rbac, hasher=hasher)  # type: ignore[attr-defined]
    return hasher


def can_log_in(client: TestClient, username: str, password: str) -> bool:
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data=form).status_code == 200


@pytest.fixture
def upgrading(tmp_path: Path) -> Iterator[tuple[TestClient, InterleavingHasher, int]]:
    """A service at 5 bcrypt rounds, user olga with a 4-round hash (upgraded at her next login), racing."""
    with TestClient(create_app(make_settings(tmp_path, bcrypt_rounds=5))) as client:
        rbac: Rbac = client.app.state.rbac  # type: ignore[attr-defined]
        weak = CryptContext(schemes=["bcrypt"], bcrypt__rounds=4).hash(PASSWORD)
        olga = rbac.users.create(
            username="olga", password_hash=weak, email=None, full_name=None, roles=["user"]
        )
        hasher = InterleavingHasher(5, rbac.db)
        client.app.state.rbac = dataclasses.replace(rbac, hasher=hasher)  # type: ignore[attr-defined]
        yield client, hasher, olga.id


def test_a_login_upgrading_the_hash_does_not_restore_a_password_changed_meanwhile(
    upgrading: tuple[TestClient, InterleavingHasher, int],
) -> None:
    client, hasher, olga = upgrading
    hasher.armed_for = olga
    client.post("/token", data={"grant_type": "password", "username": "olga", "password": PASSWORD})
    assert not can_log_in(client, "olga", PASSWORD)
    assert can_log_in(client, "olga", THEIRS)


def test_a_token_from_a_login_racing_a_password_change_is_dead_on_arrival(
    upgrading: tuple[TestClient, InterleavingHasher, int],
) -> None:
    client, hasher, olga = upgrading
    hasher.armed_for = olga
    form = {"grant_type": "password", "username": "olga", "password": PASSWORD}
    token = client.post("/token", data=form).json()["access_token"]
    assert client.get("/users/me", headers=bearer(token)).status_code == 401


def test_a_password_change_racing_another_is_a_409_and_leaves_the_other_in_place(
    client: TestClient,
    plain_token: str,
    make_user: Callable[..., int],
    racing: InterleavingHasher,
    rbac: Rbac,
) -> None:
    racing.armed_for = rbac.users.get("paula").id
    change = {"password": MINE, "old_password": PASSWORD}
    response = client.patch("/users/me", json=change, headers=bearer(plain_token))
    assert response.status_code == 409
    assert response.json()["detail"].startswith("the password was changed meanwhile; retry")
    assert (can_log_in(client, "paula", MINE), can_log_in(client, "paula", THEIRS)) == (False, True)


def test_a_graphql_password_change_racing_another_is_a_conflict(
    client: TestClient, plain_token: str, racing: InterleavingHasher, rbac: Rbac
) -> None:
    racing.armed_for = rbac.users.get("paula").id
    document = (
        "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }"
    )
    assert codes(gql(client, document, plain_token, old=PASSWORD, new=MINE)) == ["CONFLICT"]
    assert can_log_in(client, "paula", THEIRS)


def test_replacing_a_password_over_a_stale_read_is_a_conflict(
    rbac: Rbac, make_user: Callable[..., int]
) -> None:
    user_id = make_user("paula", "user")
    read = rbac.users.credentials_of(user_id)
    assert read is not None
    rbac.users.replace_password(user_id=user_id, read_hash=read.password_hash, new_hash="$2b$04$first")
    with pytest.raises(Conflict):
        rbac.users.replace_password(user_id=user_id, read_hash=read.password_hash, new_hash="$2b$04$second")
    now = rbac.users.credentials_of(user_id)
    assert now is not None
    assert (now.password_hash, now.token_version) == ("$2b$04$first", read.token_version + 1)


def test_an_upgrade_over_a_stale_read_is_skipped(rbac: Rbac, make_user: Callable[..., int]) -> None:
    user_id = make_user("paula", "user")
    read = rbac.users.credentials_of(user_id)
    assert read is not None
    change_password_elsewhere(rbac.db, user_id, THEIRS)
    assert (
        rbac.users.upgrade_hash(user_id=user_id, read_hash=read.password_hash, new_hash="$2b$05$x") is False
    )
    now = rbac.users.credentials_of(user_id)
    assert now is not None
    assert now.password_hash not in (read.password_hash, "$2b$05$x")
