"""API tokens through GraphQL: the same rules as REST, through the same service functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import bearer

CREATE = """mutation($scopes: [String!]!) {
  createApiToken(name: "script", scopes: $scopes, expiresInDays: 7) { id name token scopes expiresAt }
}"""


def gql(client: TestClient, token: str, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_api_token_answers_the_secret_once_and_lists_it_without(
    client: TestClient, admin_token: str
) -> None:
    created = gql(client, admin_token, CREATE, scopes=["users:read"])["data"]["createApiToken"]
    assert created["token"].startswith("rbac_pat_")
    listed = gql(client, admin_token, "{ apiTokens { id name scopes lastUsedAt } }")["data"]["apiTokens"]
    assert listed == [{"id": created["id"], "name": "script", "scopes": ["users:read"], "lastUsedAt": None}]


def test_create_api_token_with_a_scope_the_caller_lacks_is_forbidden(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    answer = gql(client, user_token("paula", "user"), CREATE, scopes=["users:write"])
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["missingScopes"] == ["users:write"]


def test_revoke_api_token_stops_the_token_at_once(client: TestClient, admin_token: str) -> None:
    created = gql(client, admin_token, CREATE, scopes=["users:read"])["data"]["createApiToken"]
    assert client.get("/users", headers=bearer(created["token"])).status_code == 200
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) }"
    assert gql(client, admin_token, revoke, id=created["id"])["data"] == {"revokeApiToken": True}
    assert client.get("/users", headers=bearer(created["token"])).status_code == 401


def test_revoking_an_id_that_cannot_exist_is_not_found(client: TestClient, admin_token: str) -> None:
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) }"
    for id_ in ("abc", "99999999999999999999", "0"):
        (error,) = gql(client, admin_token, revoke, id=id_)["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND"


def test_users_carry_the_service_account_marker(client: TestClient, admin_token: str) -> None:
    client.post("/service-accounts", json={"name": "bot", "roles": []}, headers=bearer(admin_token))
    users = gql(client, admin_token, "{ users { edges { node { username serviceAccount } } } }")
    nodes = [edge["node"] for edge in users["data"]["users"]["edges"]]
    assert nodes == [
        {"username": "admin", "serviceAccount": False},
        {"username": "bot", "serviceAccount": True},
    ]
