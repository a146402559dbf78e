"""An administrator's view of one user (the console's Users view): `GET /users/{username}/access` and
`/sessions` with users:read, and `DELETE /users/{username}/sessions/{id}` with users:write, which ends only
a session of that user."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import PASSWORD, POLICY_DIR, bearer, login, make_settings

#: Holds users:write but few other scopes: may act on a plain `user`, not on an editor or an admin.
SUPPORT_ROLE = """
roles:
  support:
    description: Signs people out; holds few scopes itself
    scopes: [users:read, users:write, profile:read, profile:write]
"""


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    return make_user("alice", "editor")


def log_in(client: TestClient, username: str, agent: str) -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = client.post("/token", data=form, headers={"user-agent": agent})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sessions_of(client: TestClient, username: str, token: str) -> dict[str, str]:
    """User agent -> session id of the user's live sessions."""
    response = client.get(f"/users/{username}/sessions", headers=bearer(token))
    assert response.status_code == 200, response.text
    return {s["user_agent"]: s["id"] for s in response.json()}


def refresh(client: TestClient, refresh_token: str) -> dict[str, Any]:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    body: dict[str, Any] = client.post("/token", data=form).json()
    return body


# --- GET /users/{username}/access --------------------------------------------------------------------


def test_access_shows_roles_and_what_they_grant(client: TestClient, alice: int, auditor_token: str) -> None:
    response = client.get("/users/alice/access", headers=bearer(auditor_token))
    assert response.status_code == 200
    body = response.json()
    assert (body["user"]["username"], body["user"]["roles"]) == ("alice", ["editor"])
    assert body["scopes"] == ["documents:read", "documents:write", "profile:read", "profile:write"]
    assert body["organizations"] == []
    assert "password" not in response.text


def test_access_shows_organization_roles_and_their_scopes_to_a_caller_who_sees_every_organization(
    client: TestClient, rbac: Rbac, alice: int, admin_token: str
) -> None:
    org = rbac.organizations.create(name="acme")
    rbac.organizations.replace_roles(
        organization_id=org.id, user_id=alice, roles=["reader"], rules=ChangeRules()
    )
    body = client.get("/users/alice/access", headers=bearer(admin_token)).json()
    assert body["organizations"] == [
        {
            "organization": "acme",
            "roles": ["reader"],
            "scopes": ["documents:read", "profile:read", "profile:write"],
        }
    ]


def test_access_hides_organizations_the_caller_may_not_see(
    client: TestClient, rbac: Rbac, alice: int, auditor_token: str
) -> None:
    org = rbac.organizations.create(name="acme")
    rbac.organizations.replace_roles(
        organization_id=org.id, user_id=alice, roles=["reader"], rules=ChangeRules()
    )
    assert client.get("/users/alice/access", headers=bearer(auditor_token)).json()["organizations"] == []


def test_access_lists_the_scopes_a_token_may_carry_including_object_rules(
    client: TestClient, make_user: Callable[..., int], auditor_token: str
) -> None:
    make_user("mia", "member")
    body = client.get("/users/mia/access", headers=bearer(auditor_token)).json()
    assert "documents:read" not in body["scopes"]
    assert "documents:read" in body["token_scopes"]  # through the shipped object rules


def test_access_of_an_unknown_user_is_404(client: TestClient, auditor_token: str) -> None:
    response = client.get("/users/nobody/access", headers=bearer(auditor_token))
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/users/admin/access", "/users/admin/sessions"])
def test_reading_a_users_access_or_sessions_without_a_token_is_401(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/users/admin/access", "/users/admin/sessions"])
def test_reading_a_users_access_or_sessions_needs_users_read(
    client: TestClient, plain_token: str, path: str
) -> None:
    response = client.get(path, headers=bearer(plain_token))
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["users:read"])


# --- GET /users/{username}/sessions ------------------------------------------------------------------


def test_sessions_lists_a_users_live_sessions_newest_first_without_secrets(
    client: TestClient, alice: int, auditor_token: str
) -> None:
    first, _second = log_in(client, "alice", "first"), log_in(client, "alice", "second")
    response = client.get("/users/alice/sessions", headers=bearer(auditor_token))
    assert [s["user_agent"] for s in response.json()] == ["second", "first"]
    assert [s["current"] for s in response.json()] == [False, False]
    assert first["refresh_token"] not in response.text


def test_sessions_of_an_unknown_user_is_404(client: TestClient, auditor_token: str) -> None:
    assert client.get("/users/nobody/sessions", headers=bearer(auditor_token)).status_code == 404


# --- DELETE /users/{username}/sessions/{id} ----------------------------------------------------------


def test_ending_a_users_session_stops_its_refresh_and_access_tokens(
    client: TestClient, alice: int, admin_token: str
) -> None:
    ended, kept = log_in(client, "alice", "ended"), log_in(client, "alice", "kept")
    session_id = sessions_of(client, "alice", admin_token)["ended"]
    response = client.delete(f"/users/alice/sessions/{session_id}", headers=bearer(admin_token))
    assert response.status_code == 204
    assert refresh(client, ended["refresh_token"])["error"] == "invalid_grant"
    assert client.get("/users/me", headers=bearer(ended["access_token"])).status_code == 401
    assert client.get("/users/me", headers=bearer(kept["access_token"])).status_code == 200
    assert set(sessions_of(client, "alice", admin_token)) == {"kept"}


def test_a_session_of_another_user_is_not_found_through_the_wrong_path_and_stays_live(
    client: TestClient, alice: int, make_user: Callable[..., int], admin_token: str
) -> None:
    make_user("bob", "user")
    session = log_in(client, "alice", "alices")
    session_id = sessions_of(client, "alice", admin_token)["alices"]
    response = client.delete(f"/users/bob/sessions/{session_id}", headers=bearer(admin_token))
    assert response.status_code == 404
    assert "session" in response.json()["detail"]
    assert "access_token" in refresh(client, session["refresh_token"])


def test_ending_an_unknown_session_is_404(client: TestClient, alice: int, admin_token: str) -> None:
    assert (
        client.delete("/users/alice/sessions/no-such-session", headers=bearer(admin_token)).status_code == 404
    )


def test_ending_a_session_of_an_unknown_user_is_404(client: TestClient, admin_token: str) -> None:
    response = client.delete("/users/nobody/sessions/whatever", headers=bearer(admin_token))
    assert (response.status_code, "nobody" in response.json()["detail"]) == (404, True)


def test_ending_an_ended_session_again_is_204(client: TestClient, alice: int, admin_token: str) -> None:
    log_in(client, "alice", "twice")
    path = f"/users/alice/sessions/{sessions_of(client, 'alice', admin_token)['twice']}"
    assert [client.delete(path, headers=bearer(admin_token)).status_code for _ in range(2)] == [204, 204]


def test_ending_a_session_needs_users_write(client: TestClient, alice: int, auditor_token: str) -> None:
    session = log_in(client, "alice", "alices")
    path = f"/users/alice/sessions/{sessions_of(client, 'alice', auditor_token)['alices']}"
    response = client.delete(path, headers=bearer(auditor_token))
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["users:write"])
    assert "access_token" in refresh(client, session["refresh_token"])


def test_ending_a_session_without_a_token_is_401(client: TestClient) -> None:
    assert client.delete("/users/admin/sessions/anything").status_code == 401


def test_an_administrator_ends_their_own_current_session_through_their_name(
    client: TestClient, admin_token: str
) -> None:
    current = next(
        s["id"]
        for s in client.get("/users/admin/sessions", headers=bearer(admin_token)).json()
        if s["current"]
    )
    assert client.delete(f"/users/admin/sessions/{current}", headers=bearer(admin_token)).status_code == 204
    assert client.get("/users/me", headers=bearer(admin_token)).status_code == 401


@pytest.fixture
def support_client(tmp_path: Path) -> Iterator[TestClient]:
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "zz-support.yaml").write_text(SUPPORT_ROLE)
    with TestClient(create_app(make_settings(tmp_path, policy_dir=policy_dir))) as client:
        rbac: Rbac = client.app.state.rbac  # type: ignore[attr-defined]
        for name, role in (("sue", "support"), ("paula", "user"), ("alice", "editor")):
            rbac.users.create(
                username=name,
                password_hash=rbac.hasher.hash_sync(PASSWORD),
                email=None,
                full_name=None,
                roles=[role],
            )
        yield client


@pytest.mark.parametrize(("target", "status"), [("paula", 204), ("alice", 403)], ids=["below", "above"])
def test_ending_a_session_follows_the_rule_of_any_change_to_the_account(
    support_client: TestClient, target: str, status: int
) -> None:
    """Nobody acts on an account whose roles grant scopes they lack (alice's documents:*)."""
    session = log_in(support_client, target, "target")
    sue = login(support_client, "sue", PASSWORD)
    path = f"/users/{target}/sessions/{sessions_of(support_client, target, sue)['target']}"
    assert support_client.delete(path, headers=bearer(sue)).status_code == status
    assert ("access_token" in refresh(support_client, session["refresh_token"])) is (status == 403)


def test_the_openapi_document_declares_the_routes_with_their_scopes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        ("/users/{username}/access", "get"): "users:read",
        ("/users/{username}/sessions", "get"): "users:read",
        ("/users/{username}/sessions/{session_id}", "delete"): "users:write",
    }
    for (path, method), scope in expected.items():
        operation = paths[path][method]
        assert operation["security"] == [{"OAuth2": [scope]}], path
        assert {"401", "403", "404"} <= set(operation["responses"]), path
