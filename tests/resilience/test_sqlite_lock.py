"""SQLite's outage: another process holding the write lock (a backup, a long import, a hung writer) past
`RBAC_DB_TIMEOUT_SECONDS`. Writes answer 503 with `Retry-After` instead of a 500; reads go on (WAL lets
readers past a writer); everything works again once the lock is released.

(A removed or unreadable database file is no outage SQLite shows: the pool's open connections keep the
file they opened, and the service runs as a user that may read its own files.)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.conftest import ADMIN_PASSWORD, bearer, login, make_settings
from tests.graphql.conftest import codes, gql

#: RBAC_DB_TIMEOUT_SECONDS of these services.
TIMEOUT = 0.3
UNAVAILABLE = {"detail": "The database is unavailable; retry shortly"}
NEW_USER = {"username": "paula", "password": "long enough password"}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "locked.db"


@pytest.fixture
def client(database: Path, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, database_url=f"sqlite:///{database}", db_timeout_seconds=TIMEOUT)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def token(client: TestClient) -> str:
    return login(client, "admin", ADMIN_PASSWORD)


@contextmanager
def write_lock_held(database: Path) -> Iterator[None]:
    """Another process's write transaction, open for the block."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_past_the_lock_timeout_answers_503_with_retry_after(
    client: TestClient, token: str, database: Path
) -> None:
    with write_lock_held(database):
        response = client.post("/users", json=NEW_USER, headers=bearer(token))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json() == UNAVAILABLE


def test_a_write_waits_for_the_lock_as_long_as_the_database_timeout(
    client: TestClient, token: str, database: Path
) -> None:
    with write_lock_held(database):
        started = time.monotonic()
        client.post("/users", json=NEW_USER, headers=bearer(token))
        waited = time.monotonic() - started
    assert TIMEOUT <= waited < TIMEOUT + 3  # SQLite's default would hold the request 30 s


def test_a_login_past_the_lock_timeout_answers_temporarily_unavailable(
    client: TestClient, database: Path
) -> None:
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    with write_lock_held(database):
        response = client.post("/token", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"] == "temporarily_unavailable"


def test_a_graphql_mutation_past_the_lock_timeout_is_unavailable(
    client: TestClient, token: str, database: Path
) -> None:
    mutation = 'mutation { createUser(input: {username: "paula", password: "long enough password"}) { id } }'
    with write_lock_held(database):
        body = gql(client, mutation, token)
    assert codes(body) == ["UNAVAILABLE"]


def test_reads_go_on_while_another_process_holds_the_write_lock(
    client: TestClient, token: str, database: Path
) -> None:
    with write_lock_held(database):
        response = client.get("/users/admin", headers=bearer(token))
    assert response.status_code == 200


def test_writes_succeed_again_once_the_lock_is_released(
    client: TestClient, token: str, database: Path
) -> None:
    with write_lock_held(database):
        assert client.post("/users", json=NEW_USER, headers=bearer(token)).status_code == 503
    assert client.post("/users", json=NEW_USER, headers=bearer(token)).status_code == 201
