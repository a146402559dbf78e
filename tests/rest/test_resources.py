"""Roles, policy, health, the example documents resource, and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import bearer


def test_health_needs_no_token_and_names_the_policy_version(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert len(body["policy"]["version"]) == 16


def test_roles_lists_own_and_effective_scopes(client: TestClient, auditor_token: str) -> None:
    roles = {r["name"]: r for r in client.get("/roles", headers=bearer(auditor_token)).json()}
    assert roles["admin"]["inherits"] == ["auditor"]
    assert "users:read" in roles["admin"]["effective_scopes"]
    assert roles["editor"]["scopes"] == ["documents:write"]
    assert set(roles["editor"]["effective_scopes"]) == {
        "documents:read",
        "documents:write",
        "profile:read",
        "profile:write",
    }


def test_roles_requires_roles_read(client: TestClient, plain_token: str) -> None:
    assert client.get("/roles", headers=bearer(plain_token)).status_code == 403


def test_policy_shows_version_load_time_and_files(client: TestClient, auditor_token: str) -> None:
    body = client.get("/policy", headers=bearer(auditor_token)).json()
    assert body["version"] == client.get("/health").json()["policy"]["version"]
    assert body["default_role"] == "user"
    assert "documents:write" in body["scopes"]
    assert all(name.endswith((".yaml", ".yml")) for name in body["files"])


def test_a_token_without_documents_write_cannot_create_documents(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    token = user_token("audrey", "auditor")  # no grant and no rule of the auditor's reaches documents:write
    response = client.post("/documents", json={"title": "Plan"}, headers=bearer(token))
    assert response.status_code == 403
    assert (
        response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="documents:write"'
    )


def test_editor_creates_a_document_others_can_read(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    editor = user_token("eddie", "editor")
    created = client.post("/documents", json={"title": "Plan", "body": "Step 1"}, headers=bearer(editor))
    assert created.status_code == 201
    reader = user_token("rita", "reader")
    listed = client.get("/documents", headers=bearer(reader)).json()
    assert [d["title"] for d in listed["items"]] == ["Plan"]


def test_openapi_takes_scopes_and_descriptions_from_the_policy(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    flow = document["components"]["securitySchemes"]["OAuth2"]["flows"]["password"]
    assert flow["tokenUrl"] == "token"
    assert flow["scopes"]["documents:read"]
    assert document["paths"]["/users"]["get"]["security"] == [{"OAuth2": ["users:read"]}]
    # Decided on each document by the use case: the route itself asks for a token.
    assert document["paths"]["/documents"]["post"]["security"] == [{"OAuth2": []}]


def test_a_route_that_does_not_exist_is_a_404(client: TestClient) -> None:
    assert client.get("/nope").status_code == 404
