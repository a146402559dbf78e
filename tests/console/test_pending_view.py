"""`GET /policy/pending`: what the files on disk would change (`rbac-api policy diff`), why they would be
rejected (`rbac-api policy check`), and the last change the service rejected."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rbac_api.policy.diff import Change, format_changes
from rbac_api.reload import PolicyReloader
from tests.cli.test_cli import run
from tests.conftest import POLICY_DIR
from tests.console.conftest import get_json


def drop_documents_read_from_reader(policy_dir: Path) -> None:
    roles = policy_dir / "roles.yaml"
    roles.write_text(roles.read_text().replace("      - documents:read\n", "      - profile:read\n", 1))


def misspell_a_grant(policy_dir: Path) -> None:
    roles = policy_dir / "roles.yaml"
    roles.write_text(roles.read_text().replace("- documents:read", "- documents:raed", 1))


def test_files_as_in_force_change_nothing(client: TestClient, auditor_token: str) -> None:
    body = get_json(client, "/policy/pending", auditor_token)
    assert body["on_disk_version"] == body["in_force_version"]
    assert (body["changes"], body["problems"], body["rejected"]) == ([], [], None)


def test_an_edit_on_disk_shows_the_changes_the_command_line_diff_shows(
    client: TestClient, auditor_token: str, policy_dir: Path, tmp_path: Path
) -> None:
    drop_documents_read_from_reader(policy_dir)
    body = get_json(client, "/policy/pending", auditor_token)
    changes = [Change(c["role"], c["kind"], c["what"], c["old"], c["new"]) for c in body["changes"]]
    cli = run(tmp_path, "policy", "diff", str(POLICY_DIR), str(policy_dir)).stdout.splitlines()
    assert format_changes(changes) == cli[:-1]
    assert cli[-1].endswith(f"({body['in_force_version']} -> {body['on_disk_version']})")


def test_files_that_would_be_rejected_show_what_the_command_line_check_finds(
    client: TestClient, auditor_token: str, policy_dir: Path, tmp_path: Path
) -> None:
    misspell_a_grant(policy_dir)
    body = get_json(client, "/policy/pending", auditor_token)
    assert (body["on_disk_version"], body["changes"]) == (None, [])
    assert body["problems"] == run(tmp_path, "policy", "check", str(policy_dir)).stdout.splitlines()
    assert "roles.yaml:" in body["problems"][0]
    assert "unknown scope 'documents:raed'" in body["problems"][0]


def test_a_rejected_change_is_shown_with_its_problems_until_a_good_one_loads(
    client: TestClient, auditor_token: str, policy_dir: Path, reloader: PolicyReloader
) -> None:
    misspell_a_grant(policy_dir)
    assert reloader.reload() is False
    rejected = get_json(client, "/policy/pending", auditor_token)["rejected"]
    assert rejected["problems"] == client.get("/health").json()["policy"]["error"].splitlines()
    assert rejected["at"] is not None

    roles = policy_dir / "roles.yaml"
    roles.write_text(roles.read_text().replace("documents:raed", "documents:read"))
    reloader.reload()
    assert get_json(client, "/policy/pending", auditor_token)["rejected"] is None
