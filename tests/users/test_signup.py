"""POST /users: sign-up when allowed, creation by administrators otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.conftest import bearer, make_settings

NEW = {"username": "Nora", "password": "a good long password", "email": "nora@example.org"}


@pytest.fixture
def open_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, allow_signup=True))) as client:
        yield client


def test_sign_up_creates_a_user_with_the_default_role(open_client: TestClient) -> None:
    response = open_client.post("/users", json=NEW)
    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["roles"], body["disabled"]) == ("nora", ["user"], False)
    assert set(body) == {
        "id",
        "username",
        "email",
        "full_name",
        "disabled",
        "roles",
        "created_at",
        "updated_at",
        "service_account",
    }


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"roles": ["admin"]}, "roles"),
        ({"disabled": False}, "disabled"),
        ({"token_version": 9}, "token_version"),
    ],
)
def test_anonymous_sign_up_cannot_set_privileged_fields(
    open_client: TestClient, extra: dict[str, Any], field: str
) -> None:
    response = open_client.post("/users", json={**NEW, **extra})
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


def test_sign_up_when_closed_requires_authentication(client: TestClient) -> None:
    response = client.post("/users", json=NEW)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_sign_up_when_closed_is_forbidden_without_users_write(client: TestClient, plain_token: str) -> None:
    response = client.post("/users", json=NEW, headers=bearer(plain_token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:write"]


def test_admin_creates_a_user_with_roles(client: TestClient, admin_token: str) -> None:
    response = client.post("/users", json={**NEW, "roles": ["editor"]}, headers=bearer(admin_token))
    assert (response.status_code, response.json()["roles"]) == (201, ["editor"])


def test_admin_cannot_give_an_unknown_role(client: TestClient, admin_token: str) -> None:
    response = client.post("/users", json={**NEW, "roles": ["wizard"]}, headers=bearer(admin_token))
    assert response.status_code == 422
    assert "wizard" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("spelling", ["nora", "NORA", "ｎｏｒａ"])
def test_duplicate_user_name_is_a_conflict_in_any_spelling(open_client: TestClient, spelling: str) -> None:
    assert open_client.post("/users", json=NEW).status_code == 201
    response = open_client.post("/users", json={**NEW, "username": spelling})
    assert response.status_code == 409
    assert "already taken" in response.json()["detail"]


@pytest.mark.parametrize(
    "username",
    ["x" * 65, "no\x00ra", "no\x07ra", "no ra", "no\u200dra", "", "me", "ME"],
    ids=["too-long", "nul", "bell", "space", "zero-width-joiner", "empty", "reserved", "reserved-upper"],
)
def test_unusable_user_names_are_rejected_with_422(open_client: TestClient, username: str) -> None:
    response = open_client.post("/users", json={**NEW, "username": username})
    assert response.status_code == 422


def test_sixty_four_characters_after_normalisation_is_allowed(open_client: TestClient) -> None:
    assert open_client.post("/users", json={**NEW, "username": "Ｎ" * 64}).status_code == 201


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 8"), ("é" * 37, "at most 72 bytes"), ("x" * 73, "at most 72 bytes")],
    ids=["too-short", "74-bytes-of-37-chars", "73-bytes"],
)
def test_unusable_passwords_are_rejected_with_a_clear_422(
    open_client: TestClient, password: str, message: str
) -> None:
    response = open_client.post("/users", json={**NEW, "password": password})
    assert response.status_code == 422
    assert message in response.json()["detail"][0]["msg"]


def test_a_rejected_password_is_not_echoed_back(open_client: TestClient) -> None:
    secret = "s3cret-" + "x" * 80
    response = open_client.post("/users", json={**NEW, "password": secret})
    assert response.status_code == 422
    assert secret not in response.text


def test_invalid_email_is_rejected(open_client: TestClient) -> None:
    assert open_client.post("/users", json={**NEW, "email": "not-an-email"}).status_code == 422


def test_malformed_json_is_a_422_not_a_500(open_client: TestClient) -> None:
    response = open_client.post("/users", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
