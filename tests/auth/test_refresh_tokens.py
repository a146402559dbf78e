"""Refresh tokens (RFC 6749 §6): opaque, rotated on every use, a reused one ends its whole family."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import SQLModel

from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer

ALICE = {"grant_type": "password", "username": "alice", "password": PASSWORD}


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    return make_user("alice", "editor")


def grant(client: TestClient, **form: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/token", data=form)
    return response.status_code, response.json()


def refresh(client: TestClient, token: str, **extra: str) -> tuple[int, dict[str, Any]]:
    return grant(client, grant_type="refresh_token", refresh_token=token, **extra)


def logged_in(client: TestClient, **extra: str) -> dict[str, Any]:
    status, body = grant(client, **ALICE, **extra)
    assert status == 200, body
    return body


def test_the_password_grant_returns_an_opaque_prefixed_refresh_token(client: TestClient, alice: int) -> None:
    body = logged_in(client)
    assert body["refresh_token"].startswith("rbac_rt_")
    assert body["refresh_token"].count(".") == 0  # not a JWT


def test_the_refresh_grant_returns_a_new_access_token_and_a_new_refresh_token(
    client: TestClient, alice: int
) -> None:
    first = logged_in(client)
    status, body = refresh(client, first["refresh_token"])
    assert status == 200
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert client.get("/users/me", headers=bearer(body["access_token"])).json()["username"] == "alice"


def test_a_rotated_refresh_token_used_again_ends_the_whole_family(
    client: TestClient, alice: int, caplog: pytest.LogCaptureFixture
) -> None:
    first = logged_in(client)
    _, second = refresh(client, first["refresh_token"])
    with caplog.at_level(logging.WARNING, logger="rbac_api.audit"):
        status, body = refresh(client, first["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "already used" in body["error_description"]
    assert refresh(client, second["refresh_token"])[1]["error"] == "invalid_grant"
    assert client.get("/users/me", headers=bearer(second["access_token"])).status_code == 401
    assert client.get("/users/me", headers=bearer(first["access_token"])).status_code == 401
    assert any('"refresh_token_reuse"' in r.getMessage() for r in caplog.records)
    assert first["refresh_token"] not in caplog.text


def test_a_reuse_leaves_other_sessions_of_the_user_alone(client: TestClient, alice: int) -> None:
    other = logged_in(client)
    first = logged_in(client)
    refresh(client, first["refresh_token"])
    refresh(client, first["refresh_token"])
    assert refresh(client, other["refresh_token"])[0] == 200


def test_a_refresh_can_narrow_the_scopes(client: TestClient, alice: int) -> None:
    status, body = refresh(client, logged_in(client)["refresh_token"], scope="documents:read")
    assert (status, body["scope"]) == (200, "documents:read")


def test_a_narrowed_refresh_leaves_the_sessions_grant_for_the_next_one(
    client: TestClient, alice: int
) -> None:
    _, narrow = refresh(client, logged_in(client)["refresh_token"], scope="documents:read")
    status, body = refresh(client, narrow["refresh_token"])
    assert status == 200
    assert "documents:write" in body["scope"].split(" ")


def test_a_refresh_cannot_widen_the_scopes_of_the_login(client: TestClient, alice: int) -> None:
    token = logged_in(client, scope="documents:read")["refresh_token"]
    status, body = refresh(client, token, scope="documents:read documents:write")
    assert (status, body["error"]) == (400, "invalid_scope")
    assert "documents:write" in body["error_description"]


def test_a_refused_scope_does_not_use_up_the_refresh_token(client: TestClient, alice: int) -> None:
    token = logged_in(client, scope="documents:read")["refresh_token"]
    refresh(client, token, scope="documents:write")
    assert refresh(client, token)[0] == 200


def test_a_refresh_applies_the_users_current_roles(client: TestClient, alice: int, admin_token: str) -> None:
    client.put("/users/alice/roles/auditor", headers=bearer(admin_token))
    token = logged_in(client)["refresh_token"]
    # Every role inheriting `user` reaches documents:read/write (the owner rule): take them all away.
    client.delete("/users/alice/roles/editor", headers=bearer(admin_token))
    status, body = refresh(client, token)
    assert status == 200
    assert body["scope"] == "policy:read roles:read users:read"


def test_a_refresh_whose_scopes_the_roles_no_longer_grant_is_invalid_scope(
    client: TestClient, alice: int, admin_token: str
) -> None:
    token = logged_in(client, scope="documents:write")["refresh_token"]
    client.delete("/users/alice/roles/editor", headers=bearer(admin_token))
    assert refresh(client, token)[1]["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "change",
    [
        ("patch", "/users/alice", {"disabled": True}),
        ("post", "/users/alice/sessions/revoke", None),
        ("delete", "/users/alice", None),
    ],
    ids=["disable", "admin-sign-out", "delete"],
)
def test_a_refresh_token_dies_with_its_account_or_an_admin_sign_out(
    client: TestClient, alice: int, admin_token: str, change: tuple[str, str, Any]
) -> None:
    token = logged_in(client)["refresh_token"]
    method, path, body = change
    kwargs = {"json": body} if body is not None else {}
    assert client.request(method, path, headers=bearer(admin_token), **kwargs).status_code < 300
    assert refresh(client, token)[1]["error"] == "invalid_grant"


def test_a_password_change_ends_every_refresh_token(client: TestClient, alice: int) -> None:
    session = logged_in(client)
    change = {"password": "a new password here", "old_password": PASSWORD}
    assert client.patch("/users/me", json=change, headers=bearer(session["access_token"])).status_code == 200
    assert refresh(client, session["refresh_token"])[1]["error"] == "invalid_grant"


def test_re_enabling_an_account_does_not_revive_its_refresh_tokens(
    client: TestClient, alice: int, admin_token: str
) -> None:
    token = logged_in(client)["refresh_token"]
    client.patch("/users/alice", json={"disabled": True}, headers=bearer(admin_token))
    client.patch("/users/alice", json={"disabled": False}, headers=bearer(admin_token))
    assert refresh(client, token)[1]["error"] == "invalid_grant"


def test_a_refresh_token_is_not_an_access_token(client: TestClient, alice: int) -> None:
    token = logged_in(client)["refresh_token"]
    response = client.get("/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_an_access_token_is_not_a_refresh_token(client: TestClient, alice: int) -> None:
    status, body = refresh(client, logged_in(client)["access_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "token",
    ["", "rbac_rt_", "rbac_rt_" + "A" * 43 + "A", "rbac_rt_" + "!" * 43, "rbac_rt_" + "A" * 43],
    ids=["empty", "prefix-only", "too-long", "bad-alphabet", "well-formed-unknown"],
)
def test_malformed_and_unknown_refresh_tokens_are_invalid_grant(
    client: TestClient, alice: int, token: str
) -> None:
    status, body = refresh(client, token)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_the_refresh_grant_needs_a_refresh_token_parameter(client: TestClient) -> None:
    status, body = grant(client, grant_type="refresh_token")
    assert (status, body["error"]) == (400, "invalid_request")
    assert "refresh_token" in body["error_description"]


def test_the_refresh_grant_costs_no_bcrypt(client: TestClient, alice: int, rbac: Rbac) -> None:
    token = logged_in(client)["refresh_token"]
    calls: list[str] = []
    hasher = rbac.hasher
    original = hasher.verify_sync, hasher.hash_sync
    hasher.verify_sync = lambda *a: calls.append("verify") or original[0](*a)  # type: ignore[method-assign]
    hasher.hash_sync = lambda *a: calls.append("hash") or original[1](*a)  # type: ignore[method-assign]
    try:
        assert refresh(client, token)[0] == 200
    finally:
        hasher.verify_sync, hasher.hash_sync = original  # type: ignore[method-assign]
    assert calls == []


def test_only_a_digest_of_a_refresh_token_is_stored(client: TestClient, alice: int, rbac: Rbac) -> None:
    token = logged_in(client)["refresh_token"]
    with rbac.db.connect() as connection:
        rows = [row for table in SQLModel.metadata.sorted_tables for row in connection.execute(select(table))]
    dump = repr(rows)
    assert hashlib.sha256(token.encode()).hexdigest() in dump
    assert token not in dump
    assert token[len("rbac_rt_") :] not in dump
