"""Every operation of the OpenAPI document declares the statuses it can answer (schemathesis checks the
rest, tests/conformance)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, Security
from fastapi.testclient import TestClient

from rbac_api.app import assemble_app
from rbac_api.core.principal import Principal
from rbac_api.rest.deps import current_principal

DOCUMENT: dict[str, Any] = assemble_app().openapi()
OPERATIONS = [
    pytest.param(path, method, operation, id=f"{method.upper()} {path}")
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_operation_declares_the_413_of_an_oversized_body(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    assert "413" in operation["responses"]


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_protected_operation_declares_400_401_and_403(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    if operation.get("security"):
        assert {"400", "401", "403"} <= set(operation["responses"])


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS)
def test_every_operation_taking_json_declares_422(path: str, method: str, operation: dict[str, Any]) -> None:
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        assert "422" in operation["responses"]


def test_an_applications_own_routes_declare_the_413_too() -> None:
    router = APIRouter()

    @router.get("/reports")
    async def reports(_principal: Principal = Security(current_principal, scopes=["documents:read"])) -> None:
        return None

    document = assemble_app([router]).openapi()
    assert "413" in document["paths"]["/reports"]["get"]["responses"]


def test_an_oversized_body_is_refused_with_the_declared_413(client: TestClient) -> None:
    limit = client.app.state.rbac.settings.max_body_bytes  # type: ignore[attr-defined]
    response = client.request("GET", "/health", content=b"x" * (limit + 1))
    assert response.status_code == 413
    assert "413" in DOCUMENT["paths"]["/health"]["get"]["responses"]
