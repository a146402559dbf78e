"""A 405 names, in `Allow`, every method its path answers (RFC 9110 §15.5.6)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/users/alice", "DELETE, GET, PATCH"),
        ("PUT", "/users/alice", "DELETE, GET, PATCH"),
        ("OPTIONS", "/users/alice/roles/editor", "DELETE, PUT"),
        ("OPTIONS", "/users", "GET, POST"),
        ("DELETE", "/documents", "GET, POST"),
    ],
)
def test_allow_lists_every_method_of_the_path_not_only_the_first_routes(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_allow_names_the_methods_of_the_first_template_the_path_matches(client: TestClient) -> None:
    """`/users/me` also matches `/users/{username}`; its own methods are those of `/users/me`."""
    response = client.options("/users/me")
    assert response.headers["allow"] == "GET, PATCH"


def test_a_405_says_which_methods_to_use(client: TestClient) -> None:
    response = client.options("/users/alice")
    assert response.json() == {
        "detail": "OPTIONS is not allowed on /users/alice; it answers DELETE, GET, PATCH"
    }


def test_a_405_under_graphql_is_a_graphql_error(client: TestClient) -> None:
    response = client.put("/graphql", json={"query": "{ me { username } }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
