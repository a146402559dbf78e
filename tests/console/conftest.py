"""The console's API on a real service: each test gets its own copy of the shipped policy, so it may edit
the files on disk the way an admin would, and a real SQLite (or PostgreSQL) database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import Settings, create_app
from rbac_api.reload import PolicyReloader
from tests.conftest import POLICY_DIR, bearer, make_settings

#: Every route of the console's API, with a question that each can answer.
CONSOLE_ROUTES = [
    "/policy/graph.svg",
    "/policy/matrix",
    "/policy/explain?user=admin&scope=users:read",
    "/policy/pending",
    "/audit/denials",
]


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    return directory


@pytest.fixture
def settings(tmp_path: Path, policy_dir: Path) -> Settings:
    # No file watching: a test decides when a reload happens (`reloader.reload()`).
    return make_settings(tmp_path, policy_dir=policy_dir, policy_watch=False)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def reloader(client: TestClient) -> PolicyReloader:
    found: PolicyReloader = client.app.state.reloader  # type: ignore[attr-defined]
    return found


def get_json(client: TestClient, path: str, token: str) -> Any:
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()
