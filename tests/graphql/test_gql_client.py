"""End to end with the `gql` client library against a real server: log in, then query with the token."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from rbac_api import create_app
from tests.conftest import ADMIN_PASSWORD, make_settings


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(make_settings(tmp_path)), port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}/graphql"
    server.should_exit = True
    thread.join(timeout=10)


def test_login_mutation_then_an_authenticated_query(server_url: str) -> None:
    login = gql("mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }")
    login.variable_values = {"u": "admin", "p": ADMIN_PASSWORD}
    with Client(transport=HTTPXTransport(url=server_url)) as session:
        token = session.execute(login)["login"]["accessToken"]

    transport = HTTPXTransport(url=server_url, headers={"Authorization": f"Bearer {token}"})
    with Client(transport=transport) as session:
        result = session.execute(gql("{ me { username roles { name } } myPermissions { scopes } }"))
    assert result["me"] == {"username": "admin", "roles": [{"name": "admin"}]}
    assert "users:write" in result["myPermissions"]["scopes"]


def test_a_wrong_password_reaches_the_client_as_bad_credentials(server_url: str) -> None:
    login = gql('mutation { login(username: "admin", password: "wrong password") { accessToken } }')
    with (
        Client(transport=HTTPXTransport(url=server_url)) as session,
        pytest.raises(TransportQueryError) as raised,
    ):
        session.execute(login)
    assert raised.value.errors is not None
    assert raised.value.errors[0]["extensions"]["code"] == "BAD_CREDENTIALS"
