"""The login mutation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer
from tests.graphql.conftest import codes, gql

LOGIN = """
mutation Login($username: String!, $password: String!, $scopes: [String!]) {
  login(username: $username, password: $password, scopes: $scopes) { accessToken tokenType expiresIn scopes }
}
"""


def test_login_returns_a_token_that_works_for_rest_and_graphql(client: TestClient) -> None:
    payload = gql(client, LOGIN, username="admin", password=ADMIN_PASSWORD)["data"]["login"]
    assert (payload["tokenType"], payload["expiresIn"]) == ("bearer", 900)
    assert "users:write" in payload["scopes"]
    assert client.get("/users/me", headers=bearer(payload["accessToken"])).json()["username"] == "admin"
    assert gql(client, "{ me { username } }", payload["accessToken"])["data"] == {"me": {"username": "admin"}}


def test_login_with_scopes_narrows_the_token(client: TestClient) -> None:
    payload = gql(client, LOGIN, username="admin", password=ADMIN_PASSWORD, scopes=["users:read"])["data"][
        "login"
    ]
    assert payload["scopes"] == ["users:read"]
    body = gql(client, "{ me { username } }", payload["accessToken"])
    assert codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "disabled-user"])
def test_invalid_login_is_one_bad_credentials_error_and_no_token(
    client: TestClient, make_user: Callable[..., int], case: str
) -> None:
    make_user("dora", "user", disabled=True)
    username, password = {
        "wrong-password": ("admin", "not the password"),
        "unknown-user": ("nobody", PASSWORD),
        "disabled-user": ("dora", PASSWORD),
    }[case]
    body = gql(client, LOGIN, username=username, password=password)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        ("Incorrect username or password", "BAD_CREDENTIALS")
    ]


def test_login_with_an_unknown_scope_is_bad_user_input(client: TestClient) -> None:
    body = gql(client, LOGIN, username="admin", password=ADMIN_PASSWORD, scopes=["reports:read"])
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "reports:read" in body["errors"][0]["message"]


REFRESH = """
mutation Refresh($refresh: String!, $scopes: [String!]) {
  refreshToken(refreshToken: $refresh, scopes: $scopes) { accessToken refreshToken scopes }
}
"""


def _login(client: TestClient) -> dict[str, str]:
    query = 'mutation { login(username: "admin", password: "%s") { accessToken refreshToken } }'
    payload: dict[str, str] = gql(client, query % ADMIN_PASSWORD)["data"]["login"]
    return payload


def test_login_returns_a_refresh_token_the_mutation_rotates(client: TestClient) -> None:
    first = _login(client)
    assert first["refreshToken"].startswith("rbac_rt_")
    payload = gql(client, REFRESH, refresh=first["refreshToken"])["data"]["refreshToken"]
    assert payload["refreshToken"] != first["refreshToken"]
    assert gql(client, "{ me { username } }", payload["accessToken"])["data"] == {"me": {"username": "admin"}}


def test_the_refresh_mutation_narrows_scopes_like_the_grant(client: TestClient) -> None:
    token = _login(client)["refreshToken"]
    payload = gql(client, REFRESH, refresh=token, scopes=["users:read"])["data"]["refreshToken"]
    assert payload["scopes"] == ["users:read"]


def test_a_refresh_token_reused_over_graphql_ends_the_family(client: TestClient) -> None:
    first = _login(client)
    second = gql(client, REFRESH, refresh=first["refreshToken"])["data"]["refreshToken"]
    assert codes(gql(client, REFRESH, refresh=first["refreshToken"])) == ["BAD_CREDENTIALS"]
    assert codes(gql(client, REFRESH, refresh=second["refreshToken"])) == ["BAD_CREDENTIALS"]


def test_grant_and_mutation_refresh_the_same_sessions(client: TestClient) -> None:
    first = _login(client)
    response = client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": first["refreshToken"]}
    )
    assert response.status_code == 200
    body = gql(client, REFRESH, refresh=response.json()["refresh_token"])
    assert "errors" not in body
