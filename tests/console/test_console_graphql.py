"""The console's questions over GraphQL: the same guard and the same answers as the REST routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import get_json
from tests.console.test_pending_view import drop_documents_read_from_reader
from tests.graphql.conftest import codes, gql

GRANT = "role pattern wildcard location path"
CELLS = f"cells {{ role granted how grants {{ {GRANT} }} }}"
MATRIX = f"policyMatrix(prefix: $prefix) {{ version prefix roles rows {{ scope description {CELLS} }} }}"
EXPLAIN = "explain(user: $user, scope: $scope, resource: $resource) { allowed lines }"
PENDING = (
    "pendingPolicyChange { inForceVersion inForceLoadedAt onDiskVersion changes { role kind what old new } "
    "problems rejected { at problems } }"
)
DENIALS = (
    "recentDenials(limit: $limit, user: $user) "
    "{ at username subject target requiredScopes missingScopes policyVersion }"
)
#: Each field, as a whole query with its variables.
FIELDS = {
    "policyMatrix": (f"query($prefix: String!) {{ {MATRIX} }}", {"prefix": "documents"}),
    "explain": (
        f"query($user: String!, $scope: String!, $resource: String) {{ {EXPLAIN} }}",
        {"user": "admin", "scope": "users:read", "resource": None},
    ),
    "pendingPolicyChange": (f"{{ {PENDING} }}", {}),
    "recentDenials": (f"query($limit: Int!, $user: String) {{ {DENIALS} }}", {"limit": 10, "user": "paula"}),
}
#: The REST route answering the same question as each field's query above.
ROUTES = {
    "policyMatrix": "/policy/matrix?prefix=documents",
    "explain": "/policy/explain?user=admin&scope=users:read",
    "pendingPolicyChange": "/policy/pending",
    "recentDenials": "/audit/denials?limit=10&user=paula",
}


def snake(value: Any) -> Any:
    """GraphQL's camelCase names as REST's snake_case, and times as times (`Z` and `+00:00` alike)."""
    if isinstance(value, dict):
        named = {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): v for k, v in value.items()}
        return {k: when(v) if k == "at" or k.endswith("_at") else snake(v) for k, v in named.items()}
    if isinstance(value, list):
        return [snake(item) for item in value]
    return value


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def ask(client: TestClient, name: str, token: str | None) -> dict[str, Any]:
    query, variables = FIELDS[name]
    return gql(client, query, token, **variables)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_a_console_field_without_a_token_is_unauthenticated(client: TestClient, name: str) -> None:
    assert codes(ask(client, name, None)) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_a_console_field_without_policy_read_is_forbidden_naming_it(
    client: TestClient, plain_token: str, name: str
) -> None:
    (error,) = ask(client, name, plain_token)["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "missingScopes": ["policy:read"]}


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_a_console_field_answers_what_its_rest_route_answers(
    client: TestClient, auditor_token: str, plain_token: str, policy_dir: Path, name: str
) -> None:
    client.get("/users", headers={"Authorization": f"Bearer {plain_token}"})  # a denial to list
    drop_documents_read_from_reader(policy_dir)  # a change to preview
    body = ask(client, name, auditor_token)
    assert "errors" not in body, body
    rest = get_json(client, ROUTES[name], auditor_token)
    assert snake(body["data"][name]) == snake(rest["items"] if name == "recentDenials" else rest)
    assert body["data"][name]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ explain(user: "ghost", scope: "users:read") { allowed } }', "NOT_FOUND"),
        (
            '{ explain(user: "admin", scope: "users:read", resource: "invoice:1") { allowed } }',
            "BAD_USER_INPUT",
        ),
        ("{ recentDenials(limit: 0) { target } }", "BAD_USER_INPUT"),
        ('{ policyMatrix(prefix: "x\\u0000") { version } }', "BAD_USER_INPUT"),
    ],
)
def test_a_console_question_that_cannot_be_answered_says_why(
    client: TestClient, auditor_token: str, query: str, code: str
) -> None:
    assert codes(gql(client, query, auditor_token)) == [code]


def test_explain_on_an_object_gives_the_same_lines_as_rest(
    client: TestClient, auditor_token: str, make_user: Callable[..., int], rbac: Any
) -> None:
    owner = make_user("eddie", "user")
    document = rbac.documents.create(title="t", body="", owner_id=owner, org=None, status="draft")
    query, _ = FIELDS["explain"]
    variables = {"user": "eddie", "scope": "documents:write", "resource": f"document:{document.id}"}
    body = gql(client, query, auditor_token, **variables)
    question = "&".join(f"{k}={v}" for k, v in variables.items())
    assert body["data"]["explain"] == get_json(client, f"/policy/explain?{question}", auditor_token)
