"""Effective scopes = token scopes ∩ what the user's current roles grant under the current policy.

So live tokens stop working (or lose scopes) at once on this instance, without waiting for expiry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from fastapi.testclient import TestClient

from rbac_api import build_runtime, create_app
from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer, login, make_settings


def test_disabling_a_user_stops_their_live_token(
    client: TestClient, plain_token: str, admin_token: str
) -> None:
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 200
    client.patch("/users/paula", json={"disabled": True}, headers=bearer(admin_token))
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 401


def test_deleting_a_user_stops_their_live_token(
    client: TestClient, plain_token: str, admin_token: str
) -> None:
    client.get("/users/me", headers=bearer(plain_token))
    assert client.delete("/users/paula", headers=bearer(admin_token)).status_code == 204
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 401


def test_removing_a_role_removes_its_scopes_from_live_tokens(
    client: TestClient, user_token: Callable[..., str], admin_token: str
) -> None:
    token = user_token("rita", "auditor", "user")
    assert client.get("/users", headers=bearer(token)).status_code == 200
    client.delete("/users/rita/roles/auditor", headers=bearer(admin_token))
    response = client.get("/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:read"]


def test_changing_the_password_stops_every_live_token(client: TestClient, plain_token: str) -> None:
    other = login(client, "paula", PASSWORD)
    change = {"password": "a brand new password", "old_password": PASSWORD}
    assert client.patch("/users/me", json=change, headers=bearer(plain_token)).status_code == 200
    assert client.get("/users/me", headers=bearer(other)).status_code == 401
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 401
    assert (
        client.get("/users/me", headers=bearer(login(client, "paula", "a brand new password"))).status_code
        == 200
    )


def test_removing_a_scope_from_a_role_in_the_policy_applies_to_live_tokens(
    client: TestClient, rbac: Rbac, user_token: Callable[..., str]
) -> None:
    token = user_token("rita", "auditor")
    assert client.get("/users", headers=bearer(token)).status_code == 200
    policy = rbac.engine.policy
    reader = replace(policy.roles["auditor"], effective_scopes=frozenset({"profile:read"}))
    rbac.engine.swap(
        replace(policy, roles=MappingProxyType({**policy.roles, "auditor": reader}), _granted_memo={})
    )
    assert client.get("/users", headers=bearer(token)).status_code == 403


def test_token_scopes_beyond_the_current_roles_are_not_effective(
    client: TestClient, make_user: Callable[..., int], make_token: Callable[..., str]
) -> None:
    user_id = make_user("paula", "user")
    token = make_token(sub=str(user_id), scope="profile:read users:read", roles=["admin"])
    assert client.get("/users/me", headers=bearer(token)).status_code == 200
    response = client.get("/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:read"]


def test_a_deleted_users_id_is_never_given_to_a_new_user(
    client: TestClient, rbac: Rbac, make_user: Callable[..., int], admin_token: str
) -> None:
    old_id = make_user("zed", "user")
    client.delete("/users/zed", headers=bearer(admin_token))
    assert make_user("newcomer", "user") != old_id


def test_changes_from_another_instance_apply_within_the_cache_bound(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, user_cache_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        token = login(client, "admin", ADMIN_PASSWORD)
        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        other_instance = build_runtime(settings)  # same database, its own caches
        admin_id = other_instance.users.id_of("admin")
        other_instance.users.update(user_id=admin_id, disabled=True, rules=ChangeRules())
        time.sleep(0.25)
        assert client.get("/users/me", headers=bearer(token)).status_code == 401
