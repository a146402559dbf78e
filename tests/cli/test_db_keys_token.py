"""`rbac-api db`, `keys generate` and `token issue`, run as an operator would run them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.store.database import make_engine
from rbac_api.store.schema import current, head
from tests.cli.runner import run
from tests.conftest import PASSWORD, bearer, make_settings
from tests.databases import backend


@pytest.fixture
def sqlite_only() -> None:
    if backend() != "sqlite":
        pytest.skip("these commands manage an empty database of their own; it is a SQLite file here")


def test_db_upgrade_brings_an_empty_database_to_the_current_revision(
    tmp_path: Path, sqlite_only: None
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    before = run(tmp_path, "db", "current", RBAC_DATABASE_URL=url)
    assert "run: rbac-api db upgrade" in before.stdout
    upgraded = run(tmp_path, "db", "upgrade", RBAC_DATABASE_URL=url)
    assert (upgraded.returncode, upgraded.stdout.strip()) == (0, f"database at {head()} (was empty)")
    assert current(make_engine(url)) == head()
    assert "up to date" in run(tmp_path, "db", "current", RBAC_DATABASE_URL=url).stdout


def test_db_downgrade_minus_one_steps_back_and_upgrade_returns(tmp_path: Path, sqlite_only: None) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    run(tmp_path, "db", "upgrade", RBAC_DATABASE_URL=url)
    stepped = run(tmp_path, "db", "downgrade", "-1", RBAC_DATABASE_URL=url)
    assert stepped.returncode == 0, stepped.stderr
    assert current(make_engine(url)) != head()
    assert run(tmp_path, "db", "upgrade", RBAC_DATABASE_URL=url).returncode == 0
    assert current(make_engine(url)) == head()


def test_keys_generate_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    result = run(tmp_path, "keys", "generate", "--algorithm", "EdDSA", "--directory", str(tmp_path / "keys"))
    assert result.returncode == 0, result.stderr
    assert "RBAC_ALGORITHM=EdDSA RBAC_SIGNING_KEY_FILE=" in result.stdout
    assert stat.S_IMODE((tmp_path / "keys" / "signing.pem").stat().st_mode) == 0o600
    again = run(tmp_path, "keys", "generate", "--directory", str(tmp_path / "keys"))
    assert again.returncode == 1
    assert "exists" in again.stderr


def test_a_generated_key_signs_tokens_the_service_accepts(tmp_path: Path) -> None:
    run(tmp_path, "keys", "generate", "--algorithm", "RS256", "--directory", str(tmp_path / "keys"))
    settings = make_settings(tmp_path, algorithm="RS256", signing_key_file=tmp_path / "keys" / "signing.pem")
    with TestClient(create_app(settings)) as client:
        form = {"grant_type": "password", "username": "admin", "password": "admin-password-1"}
        token = client.post("/token", data=form).json()["access_token"]
        assert client.get("/users/me", headers=bearer(token)).status_code == 200


def test_token_issue_prints_a_token_the_service_accepts_with_the_scopes_asked(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD, "--role", "editor")
    issued = run(tmp_path, "token", "issue", "--user", "bob", "--scope", "documents:read")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert "documents:read" in issued.stderr
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/documents", headers=bearer(token)).status_code == 200
        assert client.post("/documents", json={"title": "t"}, headers=bearer(token)).status_code == 403
        sessions = client.get("/users/me/sessions", headers=bearer(token))
        assert sessions.status_code == 403  # documents:read only: not even profile:read


def test_token_issue_refuses_scopes_the_users_roles_do_not_grant(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD, "--role", "editor")
    refused = run(tmp_path, "token", "issue", "--user", "bob", "--scope", "users:write")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "do not grant: users:write" in refused.stderr


def test_token_issue_refuses_a_disabled_or_unknown_user(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    run(tmp_path, "users", "create", "root", "--password", PASSWORD, "--role", "admin")
    run(tmp_path, "users", "disable", "bob")
    assert "disabled" in run(tmp_path, "token", "issue", "--user", "bob").stderr
    assert "not found" in run(tmp_path, "token", "issue", "--user", "nobody").stderr


def test_a_token_issued_on_the_command_line_ends_with_its_session(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    token = run(tmp_path, "token", "issue", "--user", "bob").stdout.strip()
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.post("/revoke", data={"token": token}).status_code == 200
        assert client.get("/users/me", headers=bearer(token)).status_code == 401
