"""Two `Authorization` headers are refused (400), never resolved by taking one of them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, PASSWORD, login

MESSAGE = "Send one Authorization header, not several"


@pytest.fixture
def two_headers(app_client: TestClient) -> list[tuple[str, str]]:
    """The admin's token first (what taking the first header would act on), another user's second."""
    rbac = app_client.app.state.rbac  # type: ignore[attr-defined]
    hashed = rbac.hasher.hash_sync(PASSWORD)
    rbac.users.create(username="uma", password_hash=hashed, email=None, full_name=None, roles=["user"])
    admin, uma = login(app_client, "admin", ADMIN_PASSWORD), login(app_client, "uma", PASSWORD)
    return [("Authorization", f"Bearer {admin}"), ("authorization", f"Bearer {uma}")]


@pytest.mark.parametrize("path", ["/users/me", "/whoami"], ids=["service-route", "application-route"])
def test_a_rest_route_refuses_two_authorization_headers(
    app_client: TestClient, two_headers: list[tuple[str, str]], path: str
) -> None:
    response = app_client.get(path, headers=two_headers)
    assert (response.status_code, response.json()) == (400, {"detail": MESSAGE})


def test_two_identical_authorization_headers_are_refused_too(app_client: TestClient) -> None:
    token = login(app_client, "admin", ADMIN_PASSWORD)
    response = app_client.get("/users/me", headers=[("Authorization", f"Bearer {token}")] * 2)
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_graphql_refuses_two_authorization_headers_with_a_graphql_shaped_400(
    app_client: TestClient, two_headers: list[tuple[str, str]], method: str
) -> None:
    query = {"query": "{ me { username } }"}
    if method == "POST":
        response = app_client.post("/graphql", json=query, headers=two_headers)
    else:
        response = app_client.get("/graphql", params=query, headers=two_headers)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": MESSAGE, "extensions": {"code": "BAD_REQUEST"}}]}


def test_one_authorization_header_still_authenticates(app_client: TestClient) -> None:
    token = login(app_client, "admin", ADMIN_PASSWORD)
    assert app_client.get("/whoami", headers={"Authorization": f"Bearer {token}"}).json() == {
        "username": "admin"
    }
