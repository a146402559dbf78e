"""`rbac-api users ...` against the database a running service uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.cli.test_cli import run
from tests.conftest import PASSWORD, bearer, login, make_settings


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    """The service on the database the CLI uses, re-reading user state on every request."""
    settings = make_settings(tmp_path, database_url=f"sqlite:///{tmp_path / 'cli.db'}", user_cache_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


def test_users_disable_ends_live_tokens_for_good(tmp_path: Path, service: TestClient) -> None:
    assert run(tmp_path, "users", "create", "erin", "--password", PASSWORD).returncode == 0
    token = login(service, "erin", PASSWORD)
    assert run(tmp_path, "users", "disable", "erin").stdout.strip() == "erin: disabled"
    assert run(tmp_path, "users", "disable", "erin", "--enable").stdout.strip() == "erin: enabled"
    assert service.get("/users/me", headers=bearer(token)).status_code == 401
    assert service.get("/users/me", headers=bearer(login(service, "erin", PASSWORD))).status_code == 200
