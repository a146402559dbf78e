"""`GET /policy/matrix`: the matrix of `rbac-api policy matrix`, each cell saying how a scope is granted."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.cli.test_cli import run
from tests.console.conftest import get_json


def cells(body: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["scope"], cell["role"]): cell for row in body["rows"] for cell in row["cells"]}


def line_of(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_the_matrix_answers_what_the_command_line_matrix_answers(
    client: TestClient, auditor_token: str, policy_dir: Path, tmp_path: Path
) -> None:
    result = run(tmp_path, "policy", "matrix", str(policy_dir), "--format", "csv")
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    expected = {(row[0], role): how for row in rows for role, how in zip(header[1:], row[1:], strict=True)}
    found = cells(get_json(client, "/policy/matrix", auditor_token))
    assert {key: cell["how"] or "" for key, cell in found.items()} == expected
    assert all(cell["granted"] == bool(cell["how"]) for cell in found.values())


def test_a_grant_through_a_wildcard_names_the_wildcard_and_its_line(
    client: TestClient, auditor_token: str, policy_dir: Path
) -> None:
    cell = cells(get_json(client, "/policy/matrix", auditor_token))["users:write", "admin"]
    roles = policy_dir / "roles.yaml"
    assert cell["how"] == "own"
    assert cell["grants"] == [
        {
            "role": "admin",
            "pattern": "users:*",
            "wildcard": True,
            "location": f"{roles}:{line_of(roles, '- users:*')}",
            "path": ["admin"],
        }
    ]


def test_an_inherited_scope_names_the_role_it_comes_from_and_the_way_there(
    client: TestClient, auditor_token: str, policy_dir: Path
) -> None:
    cell = cells(get_json(client, "/policy/matrix", auditor_token))["profile:read", "editor"]
    roles = policy_dir / "roles.yaml"
    assert cell["how"] == "inherited"
    assert cell["grants"][0] == {
        "role": "user",
        "pattern": "profile:read",
        "wildcard": False,
        "location": f"{roles}:{line_of(roles, '- profile:read', after='user:')}",
        "path": ["editor", "reader", "user"],
    }


def test_a_scope_not_granted_has_no_grants(client: TestClient, auditor_token: str) -> None:
    cell = cells(get_json(client, "/policy/matrix", auditor_token))["users:write", "editor"]
    assert cell == {"role": "editor", "granted": False, "how": None, "grants": []}


def test_the_prefix_keeps_only_the_scopes_starting_with_it(client: TestClient, auditor_token: str) -> None:
    body = get_json(client, "/policy/matrix?prefix=documents", auditor_token)
    assert [row["scope"] for row in body["rows"]] == ["documents:read", "documents:write"]
    assert body["prefix"] == "documents"
    assert body["roles"] == ["user", "auditor", "admin", "member", "reader", "editor"]
