"""Personal API tokens: created with some of the owner's scopes, shown once, accepted as bearer tokens,
never more powerful than their owner, revocable at once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from rbac_api import create_app
from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer, login, make_settings

CreateToken = Callable[..., dict[str, Any]]


def test_a_created_token_is_answered_once_with_its_secret_and_scopes(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    created = create_api_token(admin_token, ["users:read"], name="nightly report", days=7)
    assert set(created) == {"id", "name", "token", "scopes", "expires_at"}
    assert created["token"].startswith("rbac_pat_")
    assert (created["name"], created["scopes"]) == ("nightly report", ["users:read"])


def test_the_creation_answer_is_never_cached(client: TestClient, admin_token: str) -> None:
    body = {"name": "ci", "scopes": ["users:read"], "expires_in_days": 1}
    response = client.post("/users/me/api-tokens", json=body, headers=bearer(admin_token))
    assert response.headers["cache-control"] == "no-store"


def test_the_token_works_as_a_bearer_token_with_only_its_scopes(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    token = create_api_token(admin_token, ["users:read"])["token"]
    assert client.get("/users", headers=bearer(token)).status_code == 200
    denied = client.patch("/users/admin", json={"full_name": "X"}, headers=bearer(token))
    assert denied.status_code == 403
    assert denied.json()["missing_scopes"] == ["users:write"]


def test_the_token_resolves_to_the_owner_in_graphql_too(
    client: TestClient, user_token: Callable[..., str], create_api_token: CreateToken
) -> None:
    token = create_api_token(user_token("paula", "user"), ["profile:read"])["token"]
    answer = client.post("/graphql", json={"query": "{ me { username } }"}, headers=bearer(token))
    assert answer.json() == {"data": {"me": {"username": "paula"}}}


def test_a_scope_the_creator_does_not_hold_is_refused_with_403(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    body = {"name": "escalate", "scopes": ["profile:read", "users:write"], "expires_in_days": 1}
    response = client.post("/users/me/api-tokens", json=body, headers=bearer(user_token("paula", "user")))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:write"]


def test_a_scope_outside_the_login_tokens_narrowed_scopes_is_refused(
    client: TestClient, make_user: Callable[..., int]
) -> None:
    make_user("paula", "editor")
    narrow = login(client, "paula", PASSWORD, scope="profile:read profile:write")
    body = {"name": "docs", "scopes": ["documents:write"], "expires_in_days": 1}
    assert client.post("/users/me/api-tokens", json=body, headers=bearer(narrow)).status_code == 403


def test_an_api_token_cannot_create_api_tokens(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    token = create_api_token(admin_token, ["profile:read", "profile:write"])["token"]
    body = {"name": "child", "scopes": ["profile:read"], "expires_in_days": 1}
    response = client.post("/users/me/api-tokens", json=body, headers=bearer(token))
    assert response.status_code == 403
    assert "log in" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "scopes": ["profile:read"]}, "expires_in_days"),
        ({"name": "x", "scopes": ["profile:read"], "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "scopes": [], "expires_in_days": 1}, "scopes"),
        ({"name": "", "scopes": ["profile:read"], "expires_in_days": 1}, "name"),
        ({"name": "x", "scopes": ["nope:nothing"], "expires_in_days": 1}, "scopes"),
    ],
)
def test_a_bad_creation_request_is_a_422_naming_the_field(
    client: TestClient, admin_token: str, body: dict[str, Any], field: str
) -> None:
    response = client.post("/users/me/api-tokens", json=body, headers=bearer(admin_token))
    assert response.status_code == 422, response.text
    assert field in response.text


def test_an_expiry_beyond_the_configured_maximum_is_refused(client: TestClient, admin_token: str) -> None:
    body = {"name": "forever", "scopes": ["profile:read"], "expires_in_days": 366}
    response = client.post("/users/me/api-tokens", json=body, headers=bearer(admin_token))
    assert response.status_code == 422
    assert "RBAC_API_TOKEN_MAX_DAYS" in response.text


def test_two_tokens_of_one_user_cannot_share_a_name(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    create_api_token(admin_token, ["profile:read"], name="ci")
    body = {"name": "ci", "scopes": ["profile:read"], "expires_in_days": 1}
    assert client.post("/users/me/api-tokens", json=body, headers=bearer(admin_token)).status_code == 409


def test_the_listing_shows_everything_but_the_secret(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    created = create_api_token(admin_token, ["users:read"], name="report")
    listing = client.get("/users/me/api-tokens", headers=bearer(admin_token))
    assert listing.status_code == 200
    (entry,) = listing.json()
    assert set(entry) == {"id", "name", "scopes", "created_at", "last_used_at", "expires_at"}
    assert (entry["id"], entry["name"], entry["last_used_at"]) == (created["id"], "report", None)
    assert created["token"] not in listing.text


def test_using_a_token_records_when_it_was_last_used(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    token = create_api_token(admin_token, ["users:read"])["token"]
    before = time.time()
    client.get("/users", headers=bearer(token))
    (entry,) = client.get("/users/me/api-tokens", headers=bearer(admin_token)).json()
    assert datetime.fromisoformat(entry["last_used_at"]).timestamp() >= before - 1


def test_a_revoked_token_is_refused_at_once(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    created = create_api_token(admin_token, ["users:read"])
    assert client.get("/users", headers=bearer(created["token"])).status_code == 200  # now cached
    revoked = client.delete(f"/users/me/api-tokens/{created['id']}", headers=bearer(admin_token))
    assert revoked.status_code == 204
    assert client.get("/users", headers=bearer(created["token"])).status_code == 401
    assert client.get("/users/me/api-tokens", headers=bearer(admin_token)).json() == []


def test_revoking_a_token_of_someone_else_through_me_is_not_found(
    client: TestClient, admin_token: str, user_token: Callable[..., str], create_api_token: CreateToken
) -> None:
    theirs = create_api_token(admin_token, ["users:read"])
    mine = user_token("paula", "user")
    assert client.delete(f"/users/me/api-tokens/{theirs['id']}", headers=bearer(mine)).status_code == 404
    assert client.get("/users", headers=bearer(theirs["token"])).status_code == 200


def test_the_holder_can_revoke_a_token_through_the_revocation_endpoint(
    client: TestClient, admin_token: str, create_api_token: CreateToken
) -> None:
    token = create_api_token(admin_token, ["users:read"])["token"]
    assert client.post("/revoke", data={"token": token}).status_code == 200
    assert client.get("/users", headers=bearer(token)).status_code == 401


def test_an_expired_token_is_refused(
    client: TestClient, rbac: Rbac, admin_token: str, create_api_token: CreateToken
) -> None:
    created = create_api_token(admin_token, ["users:read"])
    with rbac.db.begin() as connection:
        connection.execute(text("UPDATE api_tokens SET expires_at = 1 WHERE id = :id"), {"id": created["id"]})
    rbac.api_token_cache.clear()
    assert client.get("/users", headers=bearer(created["token"])).status_code == 401


def test_demoting_the_owner_demotes_the_token(
    client: TestClient, rbac: Rbac, make_user: Callable[..., int], create_api_token: CreateToken
) -> None:
    carol = make_user("carol", "auditor", "user")
    token = create_api_token(login(client, "carol", PASSWORD), ["users:read", "profile:read"])["token"]
    rbac.users.set_roles(user_id=carol, roles=["user"], rules=ChangeRules())
    rbac.user_changed(carol)
    assert client.get("/users", headers=bearer(token)).status_code == 403
    assert client.get("/users/me", headers=bearer(token)).status_code == 200


def test_disabling_the_owner_disables_the_token(
    client: TestClient, admin_token: str, make_user: Callable[..., int], create_api_token: CreateToken
) -> None:
    make_user("carol", "user")
    token = create_api_token(login(client, "carol", PASSWORD), ["profile:read"])["token"]
    client.patch("/users/carol", json={"disabled": True}, headers=bearer(admin_token))
    assert client.get("/users/me", headers=bearer(token)).status_code == 401


def test_a_token_survives_its_owners_password_change(
    client: TestClient, make_user: Callable[..., int], create_api_token: CreateToken
) -> None:
    make_user("carol", "user")
    session = login(client, "carol", PASSWORD)
    token = create_api_token(session, ["profile:read"])["token"]
    change = {"old_password": PASSWORD, "password": "another-password-7"}
    assert client.patch("/users/me", json=change, headers=bearer(session)).status_code == 200
    assert client.get("/users/me", headers=bearer(token)).status_code == 200


def test_a_mistyped_token_is_refused_without_a_database_look_up(
    client: TestClient, rbac: Rbac, admin_token: str, create_api_token: CreateToken
) -> None:
    token = create_api_token(admin_token, ["users:read"])["token"]
    typo = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(rbac.db, "before_cursor_execute", record)
    try:
        assert client.get("/users", headers=bearer(typo)).status_code == 401
    finally:
        event.remove(rbac.db, "before_cursor_execute", record)
    assert not [statement for statement in statements if "api_tokens" in statement]


def test_administrators_list_and_revoke_anyones_tokens(
    client: TestClient, make_user: Callable[..., int], admin_token: str, create_api_token: CreateToken
) -> None:
    make_user("carol", "user")
    token = create_api_token(login(client, "carol", PASSWORD), ["profile:read"])
    listing = client.get("/users/carol/api-tokens", headers=bearer(admin_token))
    assert [entry["id"] for entry in listing.json()] == [token["id"]]
    assert (
        client.delete(f"/users/carol/api-tokens/{token['id']}", headers=bearer(admin_token)).status_code
        == 204
    )
    assert client.get("/users/me", headers=bearer(token["token"])).status_code == 401


def test_listing_someone_elses_tokens_needs_users_write(
    client: TestClient, auditor_token: str, make_user: Callable[..., int]
) -> None:
    make_user("carol", "user")
    assert client.get("/users/carol/api-tokens", headers=bearer(auditor_token)).status_code == 403


def test_the_secret_never_reaches_a_log(
    client: TestClient, admin_token: str, create_api_token: CreateToken, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = create_api_token(admin_token, ["users:read"])
        client.get("/users", headers=bearer(created["token"]))
        client.delete(f"/users/me/api-tokens/{created['id']}", headers=bearer(admin_token))
        client.get("/users", headers=bearer(created["token"]))
    assert created["token"] not in caplog.text
    assert created["token"][len("rbac_pat_") : -6] not in caplog.text
    assert '"event":"api_token_created"' in caplog.text


def test_one_user_holds_at_most_the_configured_number_of_tokens(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, api_tokens_per_user=2))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        for name in ("one", "two", "three"):
            body = {"name": name, "scopes": ["profile:read"], "expires_in_days": 1}
            response = client.post("/users/me/api-tokens", json=body, headers=bearer(admin))
        assert response.status_code == 409
        assert "revoke one first" in response.json()["detail"]
