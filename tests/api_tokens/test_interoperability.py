"""A stock OAuth2 client library (Authlib) gets a token with the client-credentials grant from a real
server, and uses it, as a user's service would."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client

from tests.conftest import ADMIN_PASSWORD
from tests.servers import TLS, Server, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (a start costs 2-3 s of CPU): each test makes accounts of its own."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_gets_and_uses_a_client_credentials_token(server: Server, method: str) -> None:
    admin = server.token("admin", ADMIN_PASSWORD)
    created = httpx.post(
        server.url + "/service-accounts",
        json={"name": f"reporting-{method}", "roles": ["auditor"]},
        headers={"Authorization": f"Bearer {admin}"},
        verify=TLS,
    ).json()
    with OAuth2Client(
        created["client_id"], created["client_secret"], token_endpoint_auth_method=method, scope="users:read"
    ) as client:
        token = client.fetch_token(server.url + "/token", grant_type="client_credentials")
        assert token["scope"] == "users:read"
        assert client.get(server.url + "/users").status_code == 200
        assert client.get(server.url + "/policy").status_code == 403


def test_authlib_sees_a_wrong_secret_as_an_oauth_error(server: Server) -> None:
    from authlib.integrations.base_client.errors import OAuthError

    with OAuth2Client("rbac_sa_" + "0" * 24, "rbac_cs_wrong") as client, pytest.raises(OAuthError) as refused:
        client.fetch_token(server.url + "/token", grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
