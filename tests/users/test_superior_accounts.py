"""Nobody changes an account above them: editing, disabling, deleting or changing the roles of an account
needs every scope that account's roles grant, over REST and GraphQL alike (the CLI, the operator's tool, is
exempt)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, POLICY_DIR, bearer, login, make_settings
from tests.graphql.conftest import gql

HELPDESK_ROLE = """
roles:
  helpdesk:
    description: Looks after ordinary accounts; reads no documents
    scopes: [users:read, users:write, roles:read, roles:assign, profile:read, profile:write]
"""
#: Target kinds: an account the helpdesk holds every scope of, and one holding documents:* too.
TARGET_ROLES = {"lesser": ["user"], "superior": ["editor", "user"]}
# (REST method, path, JSON body) and the GraphQL document doing the same to user NAME.
OPERATIONS: dict[str, tuple[str, str, dict[str, Any] | None, str]] = {
    "edit": (
        "PATCH",
        "/users/NAME",
        {"email": "new@example.org"},
        'mutation { updateUser(username: "NAME", input: {email: "new@example.org"}) { id } }',
    ),
    "disable": (
        "PATCH",
        "/users/NAME",
        {"disabled": True},
        'mutation { updateUser(username: "NAME", input: {disabled: true}) { id } }',
    ),
    "delete": ("DELETE", "/users/NAME", None, 'mutation { deleteUser(username: "NAME") }'),
    "assign-role": (
        "PUT",
        "/users/NAME/roles/user",
        None,
        'mutation { assignRole(username: "NAME", role: "user") { id } }',
    ),
    "revoke-role": (
        "DELETE",
        "/users/NAME/roles/user",
        None,
        'mutation { revokeRole(username: "NAME", role: "user") { id } }',
    ),
    "sign-out": (
        "POST",
        "/users/NAME/sessions/revoke",
        None,
        'mutation { endUserSessions(username: "NAME") }',
    ),
}


@pytest.fixture
def helpdesk(tmp_path: Path) -> Iterator[tuple[TestClient, Rbac, str]]:
    """The shipped policy plus a `helpdesk` role; a token of user `hilda` who holds it."""
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "zz-helpdesk.yaml").write_text(HELPDESK_ROLE)
    with TestClient(create_app(make_settings(tmp_path, policy_dir=policy_dir))) as client:
        rbac: Rbac = client.app.state.rbac  # type: ignore[attr-defined]
        make(rbac, "hilda", ["helpdesk"])
        yield client, rbac, login(client, "hilda", PASSWORD)


def make(rbac: Rbac, name: str, roles: list[str]) -> None:
    password_hash = rbac.hasher.hash_sync(PASSWORD)
    rbac.users.create(username=name, password_hash=password_hash, email=None, full_name=None, roles=roles)


def over_rest(client: TestClient, token: str, operation: str, name: str) -> tuple[str, list[str]]:
    method, path, body, _ = OPERATIONS[operation]
    response = client.request(method, path.replace("NAME", name), json=body, headers=bearer(token))
    if response.status_code < 300:
        return "allowed", []
    assert response.status_code == 403, response.text
    return "FORBIDDEN", response.json()["missing_scopes"]


def over_graphql(client: TestClient, token: str, operation: str, name: str) -> tuple[str, list[str]]:
    body = gql(client, OPERATIONS[operation][3].replace("NAME", name), token)
    if "errors" not in body:
        return "allowed", []
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions.get("missingScopes", [])


@pytest.mark.parametrize("kind", TARGET_ROLES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_rest_and_graphql_allow_changing_only_accounts_the_caller_is_not_below(
    helpdesk: tuple[TestClient, Rbac, str], operation: str, kind: str
) -> None:
    client, rbac, token = helpdesk
    for transport in ("rest", "graphql"):
        make(rbac, f"{kind}-{transport}", TARGET_ROLES[kind])
    rest = over_rest(client, token, operation, f"{kind}-rest")
    graphql = over_graphql(client, token, operation, f"{kind}-graphql")
    expected = ("allowed", []) if kind == "lesser" else ("FORBIDDEN", ["documents:read", "documents:write"])
    assert rest == graphql == expected


def test_a_refused_change_to_a_superior_account_changes_nothing(
    helpdesk: tuple[TestClient, Rbac, str],
) -> None:
    client, rbac, token = helpdesk
    make(rbac, "eddie", TARGET_ROLES["superior"])
    before = rbac.users.get("eddie")
    for operation in OPERATIONS:
        assert over_rest(client, token, operation, "eddie")[0] == "FORBIDDEN"
    assert rbac.users.get("eddie") == before


def test_the_helpdesk_cannot_touch_an_administrator(helpdesk: tuple[TestClient, Rbac, str]) -> None:
    client, _, token = helpdesk
    response = client.patch("/users/admin", json={"full_name": "Mallory"}, headers=bearer(token))
    assert response.status_code == 403
    assert "policy:read" in response.json()["missing_scopes"]
