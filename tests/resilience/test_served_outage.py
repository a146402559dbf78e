"""A crashed PostgreSQL server under a real `rbac-api serve` (uvicorn) process: 503 with `Retry-After` on
REST and `/token`, `UNAVAILABLE` on GraphQL, `/health` 503; 200s again within seconds of the database's
return, with no restart of the service; one log line naming the outage, no traceback, no credentials."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_PASSWORD
from tests.resilience.conftest import Cluster
from tests.servers import TLS, Server, start_server, stop_server

#: Accepted and ignored by the test cluster's `trust` authentication: it must never reach the log.
DB_PASSWORD = "pg-pass-4f1d9c"
USER_QUERY = '{ user(username: "admin") { username } }'
LOGIN = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}


@pytest.fixture(scope="module")
def served(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = make_url(cluster.new_database()).set(password=DB_PASSWORD).render_as_string(hide_password=False)
    server = start_server(tmp_path_factory.mktemp("served"), RBAC_DATABASE_URL=url)
    server.tokens["admin"] = server.token("admin", ADMIN_PASSWORD)
    yield server
    stop_server(server)


def admin_get(server: Server, path: str) -> httpx.Response:
    return server.get(path, server.tokens["admin"])


def graphql(server: Server, query: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    return httpx.post(server.url + "/graphql", json={"query": query}, headers=headers, timeout=10, verify=TLS)


def seconds_until(condition: Callable[[], bool], limit: float = 10.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < limit, f"not within {limit} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_every_kind_of_request_answers_503_while_the_database_is_down(
    cluster: Cluster, served: Server
) -> None:
    with cluster.down():
        seconds_until(lambda: served.get("/health").status_code == 503)
        health = served.get("/health")
        rest = admin_get(served, "/users/admin")
        token = httpx.post(served.url + "/token", data=LOGIN, timeout=10, verify=TLS)
        query = graphql(served, USER_QUERY)
    assert (health.json()["database"], health.headers["Retry-After"]) == ("unavailable", "2")
    assert (rest.status_code, rest.headers["Retry-After"]) == (503, "2")
    assert rest.json() == {"detail": "The database is unavailable; retry shortly"}
    assert (token.status_code, token.headers["Retry-After"]) == (503, "2")
    assert token.json()["error"] == "temporarily_unavailable"
    assert query.status_code == 200
    assert [error["extensions"]["code"] for error in query.json()["errors"]] == ["UNAVAILABLE"]


def test_the_service_answers_200_within_seconds_of_the_database_returning(
    cluster: Cluster, served: Server
) -> None:
    with cluster.down():
        assert admin_get(served, "/users/admin").status_code == 503
        cluster.restart()
        waited = seconds_until(lambda: served.get("/health").status_code == 200)
        rest = admin_get(served, "/users/admin")
        token = httpx.post(served.url + "/token", data=LOGIN, timeout=10, verify=TLS)
        query = graphql(served, USER_QUERY).json()
    assert waited < 3
    assert rest.status_code == 200
    assert token.status_code == 200
    assert query == {"data": {"user": {"username": "admin"}}}


def test_the_log_names_the_outage_without_traceback_or_credentials(cluster: Cluster, served: Server) -> None:
    with cluster.down():
        assert admin_get(served, "/users/admin").status_code == 503
        assert httpx.post(served.url + "/token", data=LOGIN, timeout=10, verify=TLS).status_code == 503
    seconds_until(lambda: admin_get(served, "/users/admin").status_code == 200)
    log = served.log()
    assert "database unavailable (psycopg.OperationalError)" in log
    assert "Traceback" not in log
    assert DB_PASSWORD not in log
    assert f":{make_url(served.env['RBAC_DATABASE_URL']).port}" not in log
