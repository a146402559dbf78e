"""The `rbac-api` command, run as a user would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import run, run_process
from tests.conftest import POLICY_DIR


def test_help_works_for_every_command(tmp_path: Path) -> None:
    for args in (
        [],
        ["serve"],
        ["users"],
        ["users", "create"],
        ["users", "list"],
        ["users", "set-roles"],
        ["users", "disable"],
        ["policy"],
        ["policy", "check"],
        ["policy", "test"],
        ["policy", "explain"],
        ["policy", "diff"],
        ["policy", "matrix"],
        ["policy", "reload"],
    ):
        result = run(tmp_path, *args, "--help")
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage" in result.stdout


def test_users_create_then_list(tmp_path: Path) -> None:
    created = run(tmp_path, "users", "create", "Carol", "--password", "carol-password", "--role", "editor")
    assert created.returncode == 0, created.stderr
    assert "created carol" in created.stdout
    listed = run(tmp_path, "users", "list")
    assert "carol\tactive\teditor" in listed.stdout


def test_users_create_prompts_for_the_password(tmp_path: Path) -> None:
    result = run(tmp_path, "users", "create", "dan", stdin="dan-password\ndan-password\n")
    assert result.returncode == 0, result.stderr
    assert "dan-password" not in result.stdout


def test_users_set_roles_and_disable(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "erin", "--password", "erin-password")
    assert (
        run(tmp_path, "users", "set-roles", "erin", "reader", "auditor").stdout.strip()
        == "erin: roles auditor, reader"
    )
    assert run(tmp_path, "users", "disable", "erin").stdout.strip() == "erin: disabled"
    assert "erin\tdisabled" in run(tmp_path, "users", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "set-roles", "nobody", "reader"], "user 'nobody' not found"),
        (["users", "create", "x", "--password", "short"], "at least 8"),
        (["users", "create", "x", "--password", "long-enough", "--role", "wizard"], "unknown role(s) wizard"),
    ],
)
def test_cli_errors_are_one_line_naming_the_fix(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_serve_refuses_production_without_a_secret_in_one_line(tmp_path: Path) -> None:
    result = run_process(tmp_path, "serve", RBAC_ENV="production", RBAC_SECRET_KEY="")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "RBAC_SECRET_KEY" in result.stderr


def test_policy_check_accepts_the_shipped_policy(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "check", str(POLICY_DIR))
    assert result.returncode == 0, result.stdout


def test_policy_check_reports_file_and_line_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "roles.yaml").write_text(
        "scopes:\n  a:read: A\nroles:\n  r:\n    description: R\n    scopes: [a:write]\ndefault_role: r\n"
    )
    result = run(tmp_path, "policy", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad / 'roles.yaml'}:6:" in result.stdout


def test_policy_check_on_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    assert run(tmp_path, "policy", "check", str(tmp_path / "nope")).returncode == 2
