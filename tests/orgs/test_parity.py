"""REST and GraphQL give every principal the same answer on every organization operation: the same outcome,
the same missing scopes, the same data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import PASSWORD, bearer, login
from tests.graphql.conftest import gql

Outcome = tuple[Any, ...]
STATUS_CODES = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "BAD_USER_INPUT",
}


def members_of(org: str) -> str:
    return f'{{ organization(name: "{org}") {{ members {{ username roles }} }} }}'


def set_roles(org: str, roles: str) -> str:
    return (
        f'mutation {{ setMembership(org: "{org}", username: "target", roles: {roles}) {{ username roles }} }}'
    )


# (REST method, path, JSON body) <-> GraphQL document; each starts from target holding `reader` in acme.
PAIRS: dict[str, tuple[str, str, dict[str, Any] | None, str]] = {
    "list organizations": ("GET", "/orgs", None, "{ organizations { edges { node { name viewerRoles } } } }"),
    "list members": ("GET", "/orgs/acme/members", None, members_of("acme")),
    "list members, hidden organization": ("GET", "/orgs/hidden/members", None, members_of("hidden")),
    "list members, no such organization": ("GET", "/orgs/nope/members", None, members_of("nope")),
    "set membership": (
        "PUT",
        "/orgs/acme/members/target",
        {"roles": ["user"]},
        set_roles("acme", '["user"]'),
    ),
    "set a role above the caller": (
        "PUT",
        "/orgs/acme/members/target",
        {"roles": ["editor"]},
        set_roles("acme", '["editor"]'),
    ),
    "set an unknown role": (
        "PUT",
        "/orgs/acme/members/target",
        {"roles": ["wizard"]},
        set_roles("acme", '["wizard"]'),
    ),
    "set membership, hidden organization": (
        "PUT",
        "/orgs/hidden/members/target",
        {"roles": ["user"]},
        set_roles("hidden", '["user"]'),
    ),
    "remove membership": (
        "DELETE",
        "/orgs/acme/members/target",
        None,
        'mutation { removeMembership(org: "acme", username: "target") }',
    ),
    "create organization": (
        "POST",
        "/orgs",
        {"name": "delta"},
        'mutation { createOrganization(name: "Delta") { name } }',
    ),
    "create a taken name": (
        "POST",
        "/orgs",
        {"name": "acme"},
        'mutation { createOrganization(name: "ACME") { name } }',
    ),
}
PRINCIPALS = ["admin", "manager", "member", "outsider", None]


def rest_outcome(response: Any) -> Outcome:
    if response.status_code < 300:
        return ("ok", _rest_data(response.json()) if response.content else None)
    code = STATUS_CODES[response.status_code]
    return (code, tuple(response.json()["missing_scopes"])) if code == "FORBIDDEN" else (code,)


def graphql_outcome(body: dict[str, Any]) -> Outcome:
    if body.get("errors"):
        extensions = body["errors"][0]["extensions"]
        code = extensions["code"]
        return (code, tuple(extensions["missingScopes"])) if code == "FORBIDDEN" else (code,)
    (value,) = body["data"].values()
    if value is None:  # `organization(name)` answers null for what the caller may not see
        return ("NOT_FOUND",)
    return ("ok", _graphql_data(value))


def _rest_data(body: Any) -> Any:
    if isinstance(body, dict) and "items" in body:
        return [
            {k: v for k, v in item.items() if k in ("name", "username", "roles")} for item in body["items"]
        ]
    return {k: v for k, v in body.items() if k in ("name", "username", "roles")}


def _graphql_data(value: Any) -> Any:
    if value is True:
        return None
    if "edges" in value:
        return [{"name": e["node"]["name"], "roles": e["node"]["viewerRoles"]} for e in value["edges"]]
    if "members" in value:
        return value["members"]
    return value


@pytest.fixture
def installation(
    rbac: Rbac, make_org: Callable[[str], int], give: Callable[..., int], make_user: Callable[..., int]
) -> Callable[[], None]:
    """acme (manager: org-manager, member: reader, target: reader) and hidden (target only); returns the
    reset that puts target's roles back before each call."""
    acme, hidden = make_org("acme"), make_org("hidden")
    make_user("outsider", "editor")
    give("manager", "acme", "org-manager")
    give("member", "acme", "reader")
    target = give("target", "acme", "reader")
    give("target", "hidden", "reader")

    def reset() -> None:
        for org in (acme, hidden):
            rbac.organizations.replace_roles(
                organization_id=org, user_id=target, roles=["reader"], rules=ChangeRules()
            )
        rbac.user_changed(target)
        for found in rbac.organizations.page(limit=100, cursor=None)[0]:
            if found.id not in (acme, hidden):
                rbac.organizations.delete(organization_id=found.id)

    return reset


@pytest.mark.parametrize("who", PRINCIPALS, ids=lambda who: who or "anonymous")
def test_rest_and_graphql_answer_alike(
    client: TestClient, admin_token: str, installation: Callable[[], None], who: str | None
) -> None:
    token = None if who is None else admin_token if who == "admin" else login(client, who, PASSWORD)
    answers = {}
    for name, (method, path, body, document) in PAIRS.items():
        installation()
        rest = rest_outcome(client.request(method, path, json=body, headers=bearer(token) if token else {}))
        installation()
        answers[name] = (rest, graphql_outcome(gql(client, document, token)))
    assert {name: pair for name, pair in answers.items() if pair[0] != pair[1]} == {}
    if who == "manager":  # the table covers success, 403, 404 and 422
        assert {pair[0][0] for pair in answers.values()} == {"ok", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT"}
    if who == "admin":
        assert answers["create organization"][0] == ("ok", {"name": "delta"})
        assert answers["create a taken name"][0] == ("CONFLICT",)
