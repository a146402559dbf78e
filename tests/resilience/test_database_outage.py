"""A crashed PostgreSQL server, through the real app.

Requests that need the database get 503 with `Retry-After` (GraphQL: `UNAVAILABLE` at the field's path),
`/health` says so, a token whose checks are cached keeps working within the revocation bound and is
refused past it, and the service recovers on its own once the server is back. The server is this module's
own, crashed with `pg_ctl stop -m immediate` and started again on the same port.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from rbac_api import create_app
from rbac_api.runtime import Rbac
from rbac_api.settings import ConfigError
from tests.conftest import ADMIN_PASSWORD, bearer, login, make_settings
from tests.graphql.conftest import codes, gql
from tests.resilience.conftest import Cluster

#: RBAC_USER_CACHE_SECONDS of these services: how long cached token checks stand in for the database.
BOUND = 3.0
UNAVAILABLE = {"detail": "The database is unavailable; retry shortly"}


@dataclass
class Service:
    client: TestClient
    rbac: Rbac
    #: The admin's token, checked once: its user state and the ended sessions are cached since `checked`.
    token: str
    checked: float

    def get(self, path: str) -> httpx2.Response:
        return self.client.get(path, headers=bearer(self.token))

    def query(self, document: str) -> dict[str, Any]:
        return gql(self.client, document, self.token)

    def within_bound(self) -> bool:
        return time.monotonic() < self.checked + BOUND

    def wait_past_bound(self) -> None:
        time.sleep(max(0.0, self.checked + BOUND - time.monotonic()) + 0.2)


@pytest.fixture
def service(cluster: Cluster, tmp_path: Path) -> Iterator[Service]:
    settings = make_settings(tmp_path, database_url=cluster.new_database(), user_cache_seconds=BOUND)
    with TestClient(create_app(settings)) as client:
        token = login(client, "admin", ADMIN_PASSWORD)
        checked = time.monotonic()
        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        yield Service(client, client.app.state.rbac, token, checked)  # type: ignore[attr-defined]


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_rest_route_that_needs_the_database_answers_503_with_retry_after(
    cluster: Cluster, service: Service
) -> None:
    with cluster.down():
        response = service.get("/users/admin")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json() == UNAVAILABLE


def test_a_login_answers_503_temporarily_unavailable(cluster: Cluster, service: Service) -> None:
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    with cluster.down():
        response = service.client.post("/token", data=form)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": UNAVAILABLE["detail"],
    }


def test_a_revocation_answers_503_temporarily_unavailable(cluster: Cluster, service: Service) -> None:
    """Answering 200 would tell the client its session ended when nothing was recorded."""
    with cluster.down():
        response = service.client.post("/revoke", data={"token": service.token})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"] == "temporarily_unavailable"


def test_a_graphql_field_that_needs_the_database_is_unavailable_at_its_path(
    cluster: Cluster, service: Service
) -> None:
    with cluster.down():
        body = service.query('{ roles { name } user(username: "admin") { username } }')
    assert body["data"]["user"] is None
    assert body["data"]["roles"]  # within the bound, fields that need no database are answered
    assert body["errors"] == [
        {
            "message": UNAVAILABLE["detail"],
            "locations": [{"line": 1, "column": 18}],
            "path": ["user"],
            "extensions": {"code": "UNAVAILABLE", "retryAfter": 2},
        }
    ]


def test_health_answers_503_unavailable_while_down_and_200_ok_once_back(
    cluster: Cluster, service: Service
) -> None:
    assert service.client.get("/health").json()["database"] == "ok"
    with cluster.down():
        wait_for(lambda: service.client.get("/health").status_code == 503)
        down = service.client.get("/health")
        cluster.restart()
        wait_for(lambda: service.client.get("/health").status_code == 200)
    assert down.headers["Retry-After"] == "2"
    assert down.json()["status"] == "degraded"
    assert down.json()["database"] == "unavailable"
    back = service.client.get("/health").json()
    assert (back["status"], back["database"]) == ("ok", "ok")


def test_a_checked_token_keeps_working_within_the_bound_while_down(
    cluster: Cluster, service: Service
) -> None:
    """`/users/me` and `me` answer from the user state cached when the token was checked."""
    with cluster.down():
        rest = service.get("/users/me")
        graphql = service.query("{ me { username } }")
        assert service.within_bound()  # both requests were answered from the cached checks
    assert rest.status_code == 200
    assert rest.json()["username"] == "admin"
    assert graphql == {"data": {"me": {"username": "admin"}}}


def test_a_token_is_refused_with_503_once_its_checks_are_older_than_the_bound(
    cluster: Cluster, service: Service
) -> None:
    """Past the bound an ended session or a disabled account could no longer be seen: fail closed, with
    a 503 the client retries, never a 401 that would log the user out because of an outage."""
    with cluster.down():
        service.wait_past_bound()
        rest = service.get("/users/me")
        graphql = service.query("{ me { username } }")
    assert rest.status_code == 503
    assert rest.headers["Retry-After"] == "2"
    assert rest.json() == UNAVAILABLE
    assert graphql["data"] is None
    assert codes(graphql) == ["UNAVAILABLE"]


def test_requests_succeed_again_as_soon_as_the_server_is_back(cluster: Cluster, service: Service) -> None:
    with cluster.down():
        assert service.get("/users/admin").status_code == 503
        cluster.restart()
        statuses = [service.get("/users/admin").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_stale_pooled_connections_are_replaced_after_a_restart(cluster: Cluster, service: Service) -> None:
    """Every connection the pool holds died with the server; none of them may fail a request."""
    held = [service.rbac.db.connect() for _ in range(3)]
    for connection in held:
        connection.close()  # back to the pool, open
    cluster.crash()
    cluster.restart()
    with ThreadPoolExecutor(3) as threads:
        statuses = list(threads.map(lambda _: service.get("/users/admin").status_code, range(9)))
    assert statuses == [200] * 9


def test_a_connection_lost_in_the_middle_of_a_request_answers_503(cluster: Cluster, service: Service) -> None:
    url = make_url(service.rbac.settings.database_url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    # closing(), not the connection's own `with`: that would commit through the connection the crash ends.
    with closing(psycopg.connect(conninfo)) as holder, ThreadPoolExecutor(1) as thread:
        holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        pending = thread.submit(service.get, "/users/admin")
        wait_for(lambda: _waiting_for_a_lock(conninfo))
        with cluster.down():
            response = pending.result(timeout=30)
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE


def _waiting_for_a_lock(conninfo: str) -> bool:
    with psycopg.connect(conninfo) as watcher:
        found = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()
    return found is not None and found[0] > 0


def test_a_taken_user_name_is_still_a_409_not_a_503(service: Service) -> None:
    body = {"username": "twice", "password": "long enough password"}
    assert service.client.post("/users", json=body, headers=bearer(service.token)).status_code == 201
    response = service.client.post("/users", json=body, headers=bearer(service.token))
    assert response.status_code == 409


def test_the_log_names_the_error_class_once_without_traceback_or_address(
    cluster: Cluster, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # at DEBUG, SQLAlchemy's pool logs each failed connect, address included
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    with cluster.down():
        assert service.get("/users/admin").status_code == 503
        assert service.client.post("/token", data=form).status_code == 503
        assert codes(service.query('{ user(username: "admin") { username } }')) == ["UNAVAILABLE"]
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [(w.name, w.getMessage()) for w in warnings] == [
        (
            "rbac_api.database",
            "database unavailable (psycopg.OperationalError)",
        )
    ]
    assert not [record for record in caplog.records if record.exc_info]
    port = str(make_url(service.rbac.settings.database_url).port)
    assert port not in caplog.text
    assert "SELECT" not in caplog.text


def test_the_service_refuses_to_start_while_the_database_does_not_answer(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The driver's own reason tells a stopped server from a missing database or a refused login."""
    url = make_url(cluster.new_database()).set(password="pg-pass-0b7e")  # trust: ignored
    settings = make_settings(tmp_path, database_url=url.render_as_string(hide_password=False))
    with cluster.down(), pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(refused.value) == (
        f'the database does not answer (connection failed: connection to server at "127.0.0.1", port '
        f"{url.port} failed: Connection refused); start it, or set RBAC_DATABASE_URL to one that answers"
    )


def test_a_missing_database_is_named_at_start(cluster: Cluster, tmp_path: Path) -> None:
    url = make_url(cluster.url).set(database="no_such_db").render_as_string(hide_password=False)
    with pytest.raises(ConfigError) as refused:
        create_app(make_settings(tmp_path, database_url=url))
    assert 'FATAL:  database "no_such_db" does not exist' in str(refused.value)
