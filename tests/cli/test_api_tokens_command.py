"""`rbac-api api-tokens create|list|revoke` against the database a running service uses."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.cli.runner import run
from tests.conftest import PASSWORD, bearer, make_settings


def test_api_tokens_create_prints_a_token_the_service_accepts_with_its_scopes(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD, "--role", "editor")
    created = run(
        tmp_path, "api-tokens", "create", "--user", "bob", "--name", "ci", "--scope", "documents:read"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("rbac_pat_")
    assert "documents:read" in created.stderr
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/documents", headers=bearer(token)).status_code == 200
        assert client.post("/documents", json={"title": "t"}, headers=bearer(token)).status_code == 403


def test_api_tokens_create_refuses_scopes_the_users_roles_do_not_grant(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD, "--role", "editor")
    refused = run(tmp_path, "api-tokens", "create", "--user", "bob", "--name", "x", "--scope", "users:write")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "do not grant: users:write" in refused.stderr


def test_api_tokens_list_shows_tokens_without_secrets_and_revoke_ends_one(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    token = run(tmp_path, "api-tokens", "create", "--user", "bob", "--name", "ci", "--scope", "profile:read")
    listed = run(tmp_path, "api-tokens", "list", "--user", "bob")
    token_id, name, scopes, _expires, used = listed.stdout.strip().split("\t")
    assert (name, scopes, used) == ("ci", "profile:read", "never")
    assert token.stdout.strip() not in listed.stdout
    revoked = run(tmp_path, "api-tokens", "revoke", "--user", "bob", token_id)
    assert revoked.returncode == 0, revoked.stderr
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/users/me", headers=bearer(token.stdout.strip())).status_code == 401
    assert run(tmp_path, "api-tokens", "revoke", "--user", "bob", token_id).returncode == 1
