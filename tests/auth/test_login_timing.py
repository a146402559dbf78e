"""An unknown user name and a wrong password cost the same: same queries, same bcrypt work, same time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from rbac_api.core.passwords import PasswordHasher, Verification
from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD
from tests.timing import median_ratio


class CountingHasher(PasswordHasher):
    """The real hasher, counting bcrypt verifications."""

    def __init__(self, rounds: int) -> None:
        super().__init__(rounds)
        self.verifications = 0

    def verify_sync(self, password: str, stored_hash: str | None) -> Verification:
        self.verifications += 1
        return super().verify_sync(password, stored_hash)


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    return make_user("alice", "editor", "auditor")


@pytest.fixture
def statements(rbac: Rbac) -> Iterator[list[str]]:
    """The SQL statements the database is sent while the test runs."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(rbac.db, "before_cursor_execute", record)
    yield sent
    event.remove(rbac.db, "before_cursor_execute", record)


def attempt(client: TestClient, username: str, password: str) -> int:
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data=form).status_code


def test_unknown_user_and_wrong_password_send_the_same_queries_and_verify_once(
    client: TestClient, rbac: Rbac, alice: int, statements: list[str]
) -> None:
    hasher = CountingHasher(rbac.settings.bcrypt_rounds)
    client.app.state.rbac = dataclasses.replace(rbac, hasher=hasher)  # type: ignore[attr-defined]
    work = {}
    for username, password in (("nobody", PASSWORD), ("alice", "wrong password")):
        statements.clear()
        hasher.verifications = 0
        assert attempt(client, username, password) == 400
        work[username] = (list(statements), hasher.verifications)
    assert work["nobody"] == work["alice"]
    assert work["alice"][1] == 1


def test_unknown_user_and_wrong_password_take_the_same_time(client: TestClient, alice: int) -> None:
    def wrong_password() -> None:
        assert attempt(client, "alice", "wrong password") == 400

    def unknown_user() -> None:
        assert attempt(client, "nobody", "wrong password") == 400

    ratio = median_ratio(wrong_password, unknown_user)
    assert 0.8 < ratio < 1.25, ratio
