"""REST and GraphQL give the same principal the same answer, operation by operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.graphql.conftest import gql

# (REST method, path, JSON body) <-> GraphQL document, for each guarded operation.
PAIRS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/users/me", None, "{ me { username } }"),
    ("GET", "/users", None, "{ users { edges { cursor } } }"),
    ("GET", "/users/admin", None, '{ user(username: "admin") { username } }'),
    ("GET", "/roles", None, "{ roles { name } }"),
    ("GET", "/policy", None, "{ policy { version } }"),
    (
        "PATCH",
        "/users/target",
        {"full_name": "T"},
        'mutation { updateUser(username: "target", input: {fullName: "T"}) { id } }',
    ),
    (
        "PUT",
        "/users/target/roles/reader",
        None,
        'mutation { assignRole(username: "target", role: "reader") { id } }',
    ),
]
PRINCIPALS = ["admin", "auditor", "user", "reader", "editor", None]


def rest_allows(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None, token: str | None
) -> bool:
    headers = bearer(token) if token else {}
    status = client.request(method, path, json=body, headers=headers).status_code
    assert status in (200, 201, 401, 403), (method, path, status)
    return status < 400


def graphql_allows(client: TestClient, document: str, token: str | None) -> bool:
    body = gql(client, document, token)
    denied = {"FORBIDDEN", "UNAUTHENTICATED"} & {e["extensions"]["code"] for e in body.get("errors", [])}
    return not denied


@pytest.mark.parametrize("role", PRINCIPALS, ids=lambda r: r or "anonymous")
def test_rest_and_graphql_decide_alike(
    client: TestClient,
    user_token: Callable[..., str],
    admin_token: str,
    make_user: Callable[..., int],
    role: str | None,
) -> None:
    make_user("target", "user")
    token = None if role is None else admin_token if role == "admin" else user_token(f"p-{role}", role)
    decisions = {
        (method, path): (
            rest_allows(client, method, path, body, token),
            graphql_allows(client, document, token),
        )
        for method, path, body, document in PAIRS
    }
    assert {k: v for k, v in decisions.items() if v[0] != v[1]} == {}
    assert any(rest for rest, _ in decisions.values()) == (role is not None)
