"""Disabling an account ends its live tokens for good: enabling it again does not bring them back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, bearer, login
from tests.graphql.conftest import codes, gql

SET_DISABLED = """
mutation($disabled: Boolean!) { updateUser(username: "paula", input: {disabled: $disabled}) { disabled } }
"""


def test_a_token_from_before_a_rest_disable_stays_dead_after_enabling(
    client: TestClient, plain_token: str, admin_token: str
) -> None:
    for disabled in (True, False):
        response = client.patch("/users/paula", json={"disabled": disabled}, headers=bearer(admin_token))
        assert response.status_code == 200
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 401
    assert client.get("/users/me", headers=bearer(login(client, "paula", PASSWORD))).status_code == 200


def test_a_token_from_before_a_graphql_disable_stays_dead_after_enabling(
    client: TestClient, plain_token: str, admin_token: str
) -> None:
    for disabled in (True, False):
        assert "errors" not in gql(client, SET_DISABLED, admin_token, disabled=disabled)
    assert codes(gql(client, "{ me { username } }", plain_token)) == ["UNAUTHENTICATED"]
    assert "errors" not in gql(client, "{ me { username } }", login(client, "paula", PASSWORD))


def test_enabling_an_enabled_account_keeps_its_tokens(
    client: TestClient, plain_token: str, admin_token: str
) -> None:
    client.patch("/users/paula", json={"disabled": False}, headers=bearer(admin_token))
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 200
