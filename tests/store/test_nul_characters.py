"""NUL characters are refused at every entry point with a 4xx, on SQLite and PostgreSQL alike (PostgreSQL
cannot store them; a 500 there would be the client's bad input reported as our failure)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.graphql.conftest import codes, gql

NUL = "\x00"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/users", {"username": f"ali{NUL}ce", "password": "long enough password"}),
        (
            "post",
            "/users",
            {"username": "alice", "password": "long enough password", "email": f"a{NUL}@x.org"},
        ),
        ("post", "/users", {"username": "alice", "password": "long enough password", "full_name": f"A{NUL}"}),
        (
            "post",
            "/users",
            {"username": "alice", "password": "long enough password", "roles": [f"user{NUL}"]},
        ),
        ("patch", "/users/admin", {"full_name": f"Ad{NUL}min"}),
        ("patch", "/users/me", {"email": f"me{NUL}@example.org"}),
        ("post", "/documents", {"title": f"t{NUL}", "body": "b"}),
        ("post", "/documents", {"title": "t", "body": f"b{NUL}"}),
    ],
    ids=["username", "email", "full-name", "role", "admin-edit", "own-email", "title", "body"],
)
def test_a_nul_in_a_rest_body_is_a_422(
    client: TestClient, admin_token: str, method: str, path: str, body: dict[str, Any]
) -> None:
    response = client.request(method, path, json=body, headers=bearer(admin_token))
    assert response.status_code == 422
    assert "NUL" in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [(f"/users/ad{NUL}min", 404), (f"/users?cursor=a{NUL}b", 422), (f"/users/admin/roles/ad{NUL}min", 404)],
    ids=["path-user", "query-cursor", "path-role"],
)
def test_a_nul_in_a_path_or_query_is_a_4xx(
    client: TestClient, admin_token: str, path: str, status: int
) -> None:
    assert client.get(path.replace(NUL, "%00"), headers=bearer(admin_token)).status_code in (status, 405)


@pytest.mark.parametrize("field", ["username", "password", "scope", "client_id"])
def test_a_nul_in_the_token_form_is_a_400(client: TestClient, field: str) -> None:
    form = {
        "grant_type": "password",
        "username": "admin",
        "password": "whatever it is",
        "scope": "users:read",
    }
    form[field] = f"x{NUL}y"
    response = client.post("/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_grant", "invalid_scope")


def test_a_nul_in_a_graphql_variable_is_bad_user_input(client: TestClient, admin_token: str) -> None:
    query = 'mutation($e: String) { updateUser(username: "admin", input: {email: $e}) { id } }'
    body = gql(client, query, admin_token, e=f"a{NUL}@example.org")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "NUL" in body["errors"][0]["message"]


def test_a_nul_in_a_graphql_string_literal_is_bad_user_input(client: TestClient, admin_token: str) -> None:
    query = 'mutation { createDocument(title: "t\\u0000", body: "b") { id } }'
    body = gql(client, query, admin_token)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "NUL" in body["errors"][0]["message"]
