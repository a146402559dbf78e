"""`rbac-api users ...` against the database a running service uses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.store.change_rules import ChangeRules
from tests.cli.runner import run
from tests.conftest import PASSWORD, bearer, login, make_settings


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    """The service on the database the CLI uses, re-reading user state on every request."""
    settings = make_settings(tmp_path, user_cache_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


def test_users_disable_ends_live_tokens_for_good(tmp_path: Path, service: TestClient) -> None:
    assert run(tmp_path, "users", "create", "erin", "--password", PASSWORD).returncode == 0
    token = login(service, "erin", PASSWORD)
    assert run(tmp_path, "users", "disable", "erin").stdout.strip() == "erin: disabled"
    assert run(tmp_path, "users", "disable", "erin", "--enable").stdout.strip() == "erin: enabled"
    assert service.get("/users/me", headers=bearer(token)).status_code == 401
    assert service.get("/users/me", headers=bearer(login(service, "erin", PASSWORD))).status_code == 200


def test_the_cli_refuses_to_disable_or_demote_the_only_administrator(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "root", "--password", PASSWORD, "--role", "admin")
    for change in (["disable", "root"], ["set-roles", "root", "user"]):
        result = run(tmp_path, "users", *change)
        assert result.returncode == 1
        assert "roles:assign and users:write" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert "root\tactive\tadmin" in run(tmp_path, "users", "list").stdout


def test_the_cli_may_disable_an_administrator_while_another_remains(tmp_path: Path) -> None:
    for name in ("root", "backup"):
        run(tmp_path, "users", "create", name, "--password", PASSWORD, "--role", "admin")
    assert run(tmp_path, "users", "disable", "root").returncode == 0
    assert run(tmp_path, "users", "set-roles", "backup", "user").returncode == 1  # now the last one


def test_an_operator_recovers_administration_by_creating_an_admin_with_the_cli(
    tmp_path: Path, service: TestClient
) -> None:
    # Nobody can administer: the only admin's role no longer grants users:write (say, after a policy edit).
    service.app.state.rbac.users.set_roles(  # type: ignore[attr-defined]
        user_id=1, roles=["auditor"], rules=ChangeRules()
    )
    assert (
        run(tmp_path, "users", "create", "rescue", "--password", PASSWORD, "--role", "admin").returncode == 0
    )
    token = login(service, "rescue", PASSWORD)
    response = service.put("/users/admin/roles/admin", headers=bearer(token))
    assert (response.status_code, response.json()["roles"]) == (200, ["admin", "auditor"])


def test_users_set_password_replaces_the_password_and_ends_live_tokens(
    tmp_path: Path, service: TestClient
) -> None:
    assert run(tmp_path, "users", "create", "erin", "--password", PASSWORD).returncode == 0
    token = login(service, "erin", PASSWORD)
    result = run(tmp_path, "users", "set-password", "erin", "--password-stdin", stdin="a-new-password-9\n")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "erin: password set; every session of the account has ended",
    )
    assert service.get("/users/me", headers=bearer(token)).status_code == 401
    old = {"grant_type": "password", "username": "erin", "password": PASSWORD}
    refused = service.post("/token", data=old)
    assert refused.status_code == 400
    assert login(service, "erin", "a-new-password-9")


def test_users_set_password_refuses_a_password_the_service_would_refuse(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "erin", "--password", PASSWORD)
    result = run(tmp_path, "users", "set-password", "erin", "--password-stdin", stdin="short\n")
    assert result.returncode == 1
    assert "8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_users_set_password_names_the_fix_for_an_unknown_user(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "erin", "--password", PASSWORD)
    result = run(tmp_path, "users", "set-password", "nobody", "--password-stdin", stdin="a-new-password-9\n")
    assert result.returncode == 1
    assert "nobody" in result.stderr
