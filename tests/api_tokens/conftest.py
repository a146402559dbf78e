"""Personal API tokens and service accounts, through real HTTP on the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer


@pytest.fixture
def create_api_token(client: TestClient) -> Callable[..., dict[str, Any]]:
    """`create_api_token(login_token, scopes, name=..., days=...)` -> the 201 body."""

    def create(token: str, scopes: list[str], *, name: str = "ci", days: int = 30) -> dict[str, Any]:
        body = {"name": name, "scopes": scopes, "expires_in_days": days}
        response = client.post("/users/me/api-tokens", json=body, headers=bearer(token))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create
