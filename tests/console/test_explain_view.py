"""`GET /policy/explain`: the answer, and the very lines, of `rbac-api policy explain --user` for the same
question on the same database and policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api.runtime import Rbac
from rbac_api.services.questions import DISABLED
from tests.cli.test_cli import run
from tests.conftest import bearer
from tests.console.conftest import get_json


def cli_explain(tmp_path: Path, policy_dir: Path, *args: str) -> list[str]:
    result = run(tmp_path, "policy", "explain", *args, RBAC_POLICY_DIR=str(policy_dir))
    assert result.stderr == ""
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("roles", "scope", "allowed"),
    [(("editor",), "documents:write", True), (("user",), "users:read", False), ((), "nothing:here", False)],
)
def test_a_scope_question_is_answered_in_the_command_lines_words(
    client: TestClient,
    auditor_token: str,
    make_user: Callable[..., int],
    tmp_path: Path,
    policy_dir: Path,
    roles: tuple[str, ...],
    scope: str,
    allowed: bool,
) -> None:
    make_user("eddie", *roles)
    body = get_json(client, f"/policy/explain?user=eddie&scope={scope}", auditor_token)
    assert body["allowed"] is allowed
    assert body["lines"] == cli_explain(tmp_path, policy_dir, "--user", "eddie", "--scope", scope)


@pytest.mark.parametrize(("owner", "allowed"), [("eddie", True), ("olga", False)])
def test_an_object_question_is_answered_in_the_command_lines_words(
    client: TestClient,
    rbac: Rbac,
    auditor_token: str,
    make_user: Callable[..., int],
    tmp_path: Path,
    policy_dir: Path,
    owner: str,
    allowed: bool,
) -> None:
    ids = {"eddie": make_user("eddie", "user"), "olga": make_user("olga", "user")}
    document = rbac.documents.create(title="t", body="", owner_id=ids[owner], org=None, status="draft")
    question = f"user=eddie&scope=documents:write&resource=document:{document.id}"
    body = get_json(client, f"/policy/explain?{question}", auditor_token)
    assert body["allowed"] is allowed
    args = ("--user", "eddie", "--scope", "documents:write", "--resource", f"document:{document.id}")
    assert body["lines"] == cli_explain(tmp_path, policy_dir, *args)


def test_a_disabled_user_is_denied_saying_so(
    client: TestClient, auditor_token: str, make_user: Callable[..., int], tmp_path: Path, policy_dir: Path
) -> None:
    make_user("dan", "user", disabled=True)
    body = get_json(client, "/policy/explain?user=dan&scope=profile:read", auditor_token)
    assert body == {"allowed": False, "lines": [f"dan (user): {DISABLED}"]}
    result = run(tmp_path, "policy", "explain", "--user", "dan", "--scope", "profile:read")
    assert result.stderr.strip() == f"rbac-api: {body['lines'][0]}"


@pytest.mark.parametrize(
    ("question", "status", "detail"),
    [
        ("user=ghost&scope=users:read", 404, "user 'ghost' not found"),
        ("user=admin&scope=users:read&resource=document:999", 404, "no document 999 in the database"),
    ],
)
def test_a_question_about_what_is_not_there_is_404_saying_what(
    client: TestClient, auditor_token: str, question: str, status: int, detail: str
) -> None:
    response = client.get(f"/policy/explain?{question}", headers=bearer(auditor_token))
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


@pytest.mark.parametrize(
    "question", ["scope=users:read", "user=admin", "user=admin&scope=users:read&resource=invoice:1"]
)
def test_a_question_missing_a_part_or_naming_no_stored_object_is_422(
    client: TestClient, auditor_token: str, question: str
) -> None:
    assert client.get(f"/policy/explain?{question}", headers=bearer(auditor_token)).status_code == 422
