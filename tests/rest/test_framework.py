"""An application protecting its own routes with the framework's dependencies (the README example)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Security
from fastapi.testclient import TestClient

from rbac_api import CurrentPrincipal, Principal, create_app, current_principal
from tests.conftest import ADMIN_PASSWORD, POLICY_DIR, bearer, login, make_settings

REPORTS = """
scopes:
  reports:read: Read reports
roles:
  analyst:
    description: Reads reports
    scopes: [reports:read]
"""

router = APIRouter()


@router.get("/reports")
async def list_reports(
    principal: Principal = Security(current_principal, scopes=["reports:read"]),
) -> dict[str, str]:
    return {"for": principal.username}


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {"username": principal.username, "scopes": sorted(principal.scopes)}


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "reports.yaml").write_text(REPORTS)
    with TestClient(create_app(make_settings(tmp_path, policy_dir=policy_dir), routers=[router])) as client:
        yield client


def test_an_app_route_allows_a_role_granting_its_scope(app_client: TestClient) -> None:
    rbac = app_client.app.state.rbac  # type: ignore[attr-defined]
    rbac.users.create(
        username="ann",
        password_hash=rbac.hasher.hash_sync("ann-password"),
        email=None,
        full_name=None,
        roles=["analyst"],
    )
    response = app_client.get("/reports", headers=bearer(login(app_client, "ann", "ann-password")))
    assert response.json() == {"for": "ann"}


def test_an_app_route_refuses_a_principal_without_its_scope(app_client: TestClient) -> None:
    response = app_client.get("/reports", headers=bearer(login(app_client, "admin", ADMIN_PASSWORD)))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["reports:read"]


def test_an_app_route_without_scopes_still_needs_a_valid_token(app_client: TestClient) -> None:
    assert app_client.get("/whoami").status_code == 401
    body = app_client.get("/whoami", headers=bearer(login(app_client, "admin", ADMIN_PASSWORD))).json()
    assert body["username"] == "admin"
