"""The caller's own account: GET and PATCH /users/me."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from passlib.context import CryptContext

from rbac_api import create_app
from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer, login, make_settings


def test_me_returns_the_callers_own_account(client: TestClient, plain_token: str) -> None:
    body = client.get("/users/me", headers=bearer(plain_token)).json()
    assert (body["username"], body["email"], body["roles"]) == ("paula", "paula@example.org", ["user"])


def test_me_requires_profile_read(client: TestClient) -> None:
    token = login(client, "admin", "admin-password-1", scope="users:read")
    response = client.get("/users/me", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["profile:read"]


def test_user_changes_own_name_and_email(client: TestClient, plain_token: str) -> None:
    response = client.patch(
        "/users/me", json={"full_name": "Paula P.", "email": "pp@example.org"}, headers=bearer(plain_token)
    )
    assert (response.json()["full_name"], response.json()["email"]) == ("Paula P.", "pp@example.org")
    assert client.get("/users/me", headers=bearer(plain_token)).json()["full_name"] == "Paula P."


def test_user_cannot_give_themselves_roles_or_enable_themselves(client: TestClient, plain_token: str) -> None:
    for change in ({"roles": ["admin"]}, {"disabled": False}):
        assert client.patch("/users/me", json=change, headers=bearer(plain_token)).status_code == 422


def test_password_change_needs_the_old_password(client: TestClient, plain_token: str) -> None:
    response = client.patch("/users/me", json={"password": "another password"}, headers=bearer(plain_token))
    assert response.status_code == 422
    assert "old_password" in response.text


def test_password_change_with_a_wrong_old_password_is_refused(client: TestClient, plain_token: str) -> None:
    change = {"password": "another password", "old_password": "not my password"}
    response = client.patch("/users/me", json=change, headers=bearer(plain_token))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "old_password"]
    assert client.get("/users/me", headers=bearer(plain_token)).status_code == 200


def test_login_upgrades_a_hash_made_with_fewer_rounds(tmp_path: Path) -> None:
    weak = CryptContext(schemes=["bcrypt"], bcrypt__rounds=4).hash(PASSWORD)
    with TestClient(create_app(make_settings(tmp_path, bcrypt_rounds=5))) as client:
        rbac: Rbac = client.app.state.rbac  # type: ignore[attr-defined]
        record = rbac.users.create(
            username="olga", password_hash=weak, email=None, full_name=None, roles=["user"]
        )
        token = login(client, "olga", PASSWORD)
        found = rbac.users.credentials("olga")
        assert found is not None
        assert found.password_hash.startswith("$2b$05$")
        assert found.token_version == record.token_version  # an upgrade is not a password change
        assert client.get("/users/me", headers=bearer(token)).status_code == 200
        login(client, "olga", PASSWORD)


def test_patch_me_changes_the_callers_account_even_if_its_name_normalises_to_another(
    client: TestClient, rbac: Rbac, make_user: Callable[..., int]
) -> None:
    # "ss" + U+0301 is what the former normaliser, casefold(NFKC(x)), stored for "ß" + U+0301; normalising
    # it again gives "sś", another user's name. Only the token's subject says who the caller is.
    make_user("s\u015b", "user")
    caller = make_user("ss\u0301", "user")
    token = rbac.codec.issue(
        subject=str(caller),
        scopes=["profile:read", "profile:write"],
        roles=["user"],
        version=0,
        session_id="a-session",
    ).token
    response = client.patch("/users/me", json={"email": "mine@example.org"}, headers=bearer(token))
    assert (response.status_code, response.json()["id"]) == (200, caller)
    assert rbac.users.get("ss\u0301").email == "mine@example.org"
    assert rbac.users.get("s\u015b").email == "s\u015b@example.org"
