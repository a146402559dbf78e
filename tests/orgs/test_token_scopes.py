"""A token may be issued for what the user's roles reach anywhere, global or in an organization; the scopes
of organization roles then apply only in that organization (`Principal.memberships`), never globally.

The organization role here is `auditor` (users:read, roles:read, policy:read): no object rule of the shipped
policy grants those scopes, so only the membership can put them in a token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, bearer
from tests.graphql.conftest import gql

#: What `auditor` grants; bob holds it only in acme.
AUDITOR = {"users:read", "roles:read", "policy:read"}


def password_grant(client: TestClient, username: str, scope: str | None = None) -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    if scope is not None:
        form["scope"] = scope
    response = client.post("/token", data=form)
    body: dict[str, Any] = response.json()
    body["status"] = response.status_code
    return body


@pytest.fixture
def bob(make_org: Callable[[str], int], make_user: Callable[..., int], give: Callable[..., int]) -> int:
    """bob: `user` globally, `auditor` only in acme."""
    make_org("acme")
    make_user("bob", "user")
    return give("bob", "acme", "auditor")


def test_a_login_may_carry_scopes_granted_only_in_an_organization(client: TestClient, bob: int) -> None:
    granted = password_grant(client, "bob")
    assert granted["status"] == 200
    assert set(granted["scope"].split()) >= AUDITOR


def test_a_login_asking_for_an_organization_scope_gets_it(client: TestClient, bob: int) -> None:
    assert password_grant(client, "bob", "users:read")["scope"] == "users:read"


def test_a_scope_no_role_reaches_anywhere_is_still_invalid(client: TestClient, bob: int) -> None:
    refused = password_grant(client, "bob", "users:write")
    assert (refused["status"], refused["error"]) == (400, "invalid_scope")


def test_organization_scopes_do_not_apply_globally(client: TestClient, bob: int) -> None:
    token = password_grant(client, "bob")["access_token"]
    denied = client.get("/users", headers=bearer(token))
    assert denied.status_code == 403
    assert denied.json()["missing_scopes"] == ["users:read"]
    permissions = gql(client, "{ myPermissions { scopes } }", token)["data"]["myPermissions"]
    assert AUDITOR.isdisjoint(permissions["scopes"])


def test_members_assign_in_the_organization_counts_only_if_the_token_carries_it(
    client: TestClient, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("manny", "acme", "org-manager")
    give("bob", "acme", "user")
    narrow = password_grant(client, "manny", "documents:read")["access_token"]
    response = client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=bearer(narrow))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["members:assign"]


def test_a_refresh_keeps_organization_scopes_until_the_membership_is_removed(
    client: TestClient, admin: dict[str, str], bob: int
) -> None:
    first = password_grant(client, "bob")
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = client.post("/token", data=refresh).json()
    assert set(second["scope"].split()) >= AUDITOR
    assert client.delete("/orgs/acme/members/bob", headers=admin).status_code == 204
    third = client.post("/token", data={**refresh, "refresh_token": second["refresh_token"]}).json()
    assert "profile:read" in third["scope"].split()
    assert AUDITOR.isdisjoint(third["scope"].split())


def test_a_membership_added_after_login_needs_a_new_login_for_its_new_scopes(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("manny", "acme", "reader")
    before = password_grant(client, "manny")["access_token"]
    client.put("/orgs/acme/members/manny", json={"roles": ["org-manager"]}, headers=admin)
    give("bob", "acme", "user")
    change = {"roles": ["reader"]}
    assert client.put("/orgs/acme/members/bob", json=change, headers=bearer(before)).status_code == 403
    after = password_grant(client, "manny")["access_token"]
    assert client.put("/orgs/acme/members/bob", json=change, headers=bearer(after)).status_code == 200


def test_an_api_token_may_carry_a_scope_its_owner_holds_only_in_an_organization(
    client: TestClient, bob: int
) -> None:
    login_token = bearer(password_grant(client, "bob")["access_token"])
    body = {"name": "ci", "scopes": ["users:read"], "expires_in_days": 30}
    created = client.post("/users/me/api-tokens", json=body, headers=login_token)
    assert created.status_code == 201, created.text
    wider = client.post(
        "/users/me/api-tokens", json={**body, "name": "x", "scopes": ["users:write"]}, headers=login_token
    )
    assert wider.status_code == 403
    assert wider.json()["missing_scopes"] == ["users:write"]


def test_an_api_tokens_organization_scopes_apply_in_that_organization(
    client: TestClient, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("manny", "acme", "org-manager")
    give("bob", "acme", "user")
    login_token = bearer(password_grant(client, "manny")["access_token"])
    # reader's scopes too: giving a role needs its scopes, and a token holds no more than it was given.
    scopes = ["members:assign", "documents:read", "profile:read", "profile:write"]
    body = {"name": "ci", "scopes": scopes, "expires_in_days": 30}
    api_token = client.post("/users/me/api-tokens", json=body, headers=login_token).json()["token"]
    response = client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=bearer(api_token))
    assert response.status_code == 200, response.text


def test_the_client_credentials_grant_reaches_the_accounts_organization_roles(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    account = client.post("/service-accounts", json={"name": "sync", "roles": []}, headers=admin).json()
    give("sync", "acme", "auditor")
    form = {
        "grant_type": "client_credentials",
        "client_id": account["client_id"],
        "client_secret": account["client_secret"],
    }
    granted = client.post("/token", data=form)
    assert granted.status_code == 200, granted.text
    assert set(granted.json()["scope"].split()) >= AUDITOR
