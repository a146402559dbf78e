"""Every route of the console's API needs a token carrying `policy:read`, and says so in OpenAPI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer
from tests.console.conftest import CONSOLE_ROUTES


@pytest.mark.parametrize("path", CONSOLE_ROUTES)
def test_a_console_route_without_a_token_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.headers["www-authenticate"]) == (401, "Bearer")


@pytest.mark.parametrize("path", CONSOLE_ROUTES)
def test_a_console_route_without_policy_read_is_403_naming_it(
    client: TestClient, plain_token: str, path: str
) -> None:
    response = client.get(path, headers=bearer(plain_token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["policy:read"]


@pytest.mark.parametrize("path", CONSOLE_ROUTES)
def test_a_console_route_answers_a_policy_reader(client: TestClient, auditor_token: str, path: str) -> None:
    assert client.get(path, headers=bearer(auditor_token)).status_code == 200


def test_the_openapi_document_declares_each_route_with_policy_read_and_its_answer(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in CONSOLE_ROUTES:
        operation = paths[path.partition("?")[0]]["get"]
        assert operation["security"] == [{"OAuth2": ["policy:read"]}], path
        assert set(operation["responses"]) >= {"200", "401", "403"}, path
        assert operation["responses"]["200"]["content"], path
