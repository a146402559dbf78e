"""Listing, reading, changing and deleting users; assigning roles without escalating privileges."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.store.users import encode_cursor
from tests.conftest import MANAGER_ROLE, PASSWORD, POLICY_DIR, bearer, login, make_settings


def test_users_are_listed_page_by_page_with_a_cursor(
    client: TestClient, admin_token: str, make_user: Callable[..., int]
) -> None:
    for name in ("bob", "carol", "dave", "erin"):
        make_user(name, "user")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/users", params=params, headers=bearer(admin_token)).json()
        seen += [user["username"] for user in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["admin", "bob", "carol", "dave", "erin"]


@pytest.mark.parametrize("cursor", ["garbage", "dTpub3Q", "!!!"])
def test_a_cursor_we_did_not_issue_is_a_422(client: TestClient, admin_token: str, cursor: str) -> None:
    response = client.get("/users", params={"cursor": cursor}, headers=bearer(admin_token))
    assert response.status_code == 422


@pytest.mark.parametrize("after", [2**31 - 1, 2**31, 793413284847, 10**18 - 1])
def test_a_cursor_past_the_largest_possible_id_is_an_empty_page(
    client: TestClient, admin_token: str, after: int
) -> None:
    """Found by schemathesis on PostgreSQL (32-bit `users.id`): it was a 500, integer out of range."""
    response = client.get("/users", params={"cursor": encode_cursor(after)}, headers=bearer(admin_token))
    assert (response.status_code, response.json()) == (200, {"items": [], "next_cursor": None})


def test_a_refused_cursor_is_located_in_the_query_string(client: TestClient, admin_token: str) -> None:
    response = client.get("/users", params={"cursor": "garbage"}, headers=bearer(admin_token))
    assert [error["loc"] for error in response.json()["detail"]] == [["query", "cursor"]]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_page_size_out_of_range_is_a_422(client: TestClient, admin_token: str, limit: int) -> None:
    assert client.get("/users", params={"limit": limit}, headers=bearer(admin_token)).status_code == 422


def test_listing_users_requires_users_read(client: TestClient, plain_token: str) -> None:
    response = client.get("/users", headers=bearer(plain_token))
    assert response.status_code == 403
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="users:read"'
    assert response.json()["missing_scopes"] == ["users:read"]


def test_auditor_reads_a_user_by_any_spelling_of_the_name(client: TestClient, auditor_token: str) -> None:
    response = client.get("/users/ADMIN", headers=bearer(auditor_token))
    assert (response.status_code, response.json()["username"]) == (200, "admin")


def test_no_response_contains_a_password_hash(client: TestClient, admin_token: str) -> None:
    for path in ("/users", "/users/admin", "/users/me"):
        text = client.get(path, headers=bearer(admin_token)).text
        assert "$2b$" not in text
        assert "password" not in text


def test_unknown_user_is_a_404(client: TestClient, admin_token: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(method, "/users/nobody", headers=bearer(admin_token), json={})
        assert response.status_code == 404, method


def test_auditor_cannot_change_users(client: TestClient, auditor_token: str) -> None:
    response = client.patch("/users/admin", json={"disabled": True}, headers=bearer(auditor_token))
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["users:write"])


def test_admin_changes_email_and_name(
    client: TestClient, admin_token: str, make_user: Callable[..., int]
) -> None:
    make_user("bob", "user")
    response = client.patch(
        "/users/bob", json={"email": "robert@example.org", "full_name": "Robert"}, headers=bearer(admin_token)
    )
    assert (response.json()["email"], response.json()["full_name"]) == ("robert@example.org", "Robert")


def test_patch_refuses_fields_it_does_not_own(client: TestClient, admin_token: str) -> None:
    response = client.patch("/users/admin", json={"roles": ["user"]}, headers=bearer(admin_token))
    assert response.status_code == 422


def test_deleted_user_is_gone(client: TestClient, admin_token: str, make_user: Callable[..., int]) -> None:
    make_user("bob", "user")
    assert client.delete("/users/bob", headers=bearer(admin_token)).status_code == 204
    assert client.get("/users/bob", headers=bearer(admin_token)).status_code == 404


def test_assigning_a_role_grants_its_scopes(
    client: TestClient, admin_token: str, user_token: Callable[..., str]
) -> None:
    token = user_token("bob", "user")
    response = client.put("/users/bob/roles/auditor", headers=bearer(admin_token))
    assert (response.status_code, response.json()["roles"]) == (200, ["auditor", "user"])
    # The live token was issued before the role, so it does not carry users:read; a new login does.
    assert client.get("/users", headers=bearer(token)).status_code == 403
    fresh = client.post(
        "/token", data={"grant_type": "password", "username": "bob", "password": "correct horse battery"}
    )
    assert client.get("/users", headers=bearer(fresh.json()["access_token"])).status_code == 200


def test_assigning_an_unknown_role_is_a_404(client: TestClient, admin_token: str) -> None:
    response = client.put("/users/admin/roles/wizard", headers=bearer(admin_token))
    assert response.status_code == 404
    assert "wizard" in response.json()["detail"]


def test_revoking_a_role_the_user_lacks_is_a_404(client: TestClient, admin_token: str) -> None:
    assert client.delete("/users/admin/roles/editor", headers=bearer(admin_token)).status_code == 404


@pytest.fixture
def manager_client(tmp_path: Path) -> Iterator[TestClient]:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "zz-manager.yaml").write_text(MANAGER_ROLE)
    with TestClient(create_app(make_settings(tmp_path, policy_dir=policy_dir))) as client:
        rbac = client.app.state.rbac  # type: ignore[attr-defined]
        # bob starts with no role: changing the roles of an account holding scopes manny lacks is refused
        # anyway (tests/users/test_superior_accounts.py); here only the role handed out decides.
        for name, roles in (("manny", ["role-manager"]), ("bob", [])):
            rbac.users.create(
                username=name,
                password_hash=rbac.hasher.hash_sync(PASSWORD),
                email=None,
                full_name=None,
                roles=roles,
            )
        yield client


def test_a_role_manager_may_grant_a_role_within_its_own_scopes(manager_client: TestClient) -> None:
    token = login(manager_client, "manny", PASSWORD)
    response = manager_client.put("/users/bob/roles/reader", headers=bearer(token))
    assert response.status_code == 403  # reader also carries profile:* which manny lacks
    assert response.json()["missing_scopes"] == ["profile:read", "profile:write"]


def test_role_assignment_cannot_escalate_privileges(manager_client: TestClient) -> None:
    token = login(manager_client, "manny", PASSWORD)
    response = manager_client.put("/users/bob/roles/admin", headers=bearer(token))
    assert response.status_code == 403
    assert "users:write" in response.json()["missing_scopes"]
    assert manager_client.app.state.rbac.users.get("bob").roles == ()  # type: ignore[attr-defined]


def test_revoking_a_role_beyond_ones_own_scopes_is_refused(manager_client: TestClient) -> None:
    token = login(manager_client, "manny", PASSWORD)
    response = manager_client.delete("/users/admin/roles/admin", headers=bearer(token))
    assert response.status_code == 403


def test_a_role_manager_may_grant_its_own_role(manager_client: TestClient) -> None:
    token = login(manager_client, "manny", PASSWORD)
    response = manager_client.put("/users/bob/roles/role-manager", headers=bearer(token))
    assert (response.status_code, response.json()["roles"]) == (200, ["role-manager"])
