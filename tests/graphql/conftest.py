"""GraphQL helpers: every test goes through HTTP to /graphql on the real app."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def gql(client: TestClient, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def error_at(body: dict[str, Any], *path: str | int) -> dict[str, Any]:
    for error in body.get("errors", []):
        if tuple(error.get("path") or ()) == path:
            found: dict[str, Any] = error
            return found
    raise AssertionError(f"no error at {path}: {body}")
