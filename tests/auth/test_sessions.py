"""Ending sessions: RFC 7009 `/revoke`, the caller's own sessions, an administrator's sign-out, and the
revocation bound across instances sharing a database."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer, make_settings


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    return make_user("alice", "editor")


def log_in(
    client: TestClient, username: str = "alice", password: str = PASSWORD, **headers: str
) -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": password}
    response = client.post("/token", data=form, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def revoke(client: TestClient, **form: str) -> int:
    return client.post("/revoke", data=form).status_code


def me(client: TestClient, token: str) -> int:
    return client.get("/users/me", headers=bearer(token)).status_code


def test_revoking_a_refresh_token_ends_its_session_and_access_tokens(client: TestClient, alice: int) -> None:
    session = log_in(client)
    assert revoke(client, token=session["refresh_token"], token_type_hint="refresh_token") == 200
    assert me(client, session["access_token"]) == 401
    refreshed = client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoking_an_access_token_ends_its_session(client: TestClient, alice: int) -> None:
    session = log_in(client)
    assert revoke(client, token=session["access_token"]) == 200
    assert me(client, session["access_token"]) == 401
    refreshed = client.post(
        "/token", data={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]}
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoking_one_session_leaves_the_others(client: TestClient, alice: int) -> None:
    kept, ended = log_in(client), log_in(client)
    revoke(client, token=ended["access_token"])
    assert me(client, kept["access_token"]) == 200


@pytest.mark.parametrize("token", ["not-a-token", "rbac_rt_" + "A" * 43, "a.b.c", ""])
def test_revoking_an_unknown_token_answers_200(client: TestClient, token: str) -> None:
    assert revoke(client, token=token) == 200


def test_revoke_without_a_token_parameter_is_invalid_request(client: TestClient) -> None:
    response = client.post("/revoke", data={"token_type_hint": "access_token"})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_revoke_with_invented_client_credentials_is_invalid_client(client: TestClient, alice: int) -> None:
    session = log_in(client)
    response = client.post("/revoke", data={"token": session["access_token"]}, auth=("made-up", "secret"))
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert me(client, session["access_token"]) == 200


def test_logout_over_graphql_ends_the_callers_session(client: TestClient, alice: int) -> None:
    session = log_in(client)
    body = client.post(
        "/graphql", json={"query": "mutation { logout }"}, headers=bearer(session["access_token"])
    ).json()
    assert body == {"data": {"logout": True}}
    assert me(client, session["access_token"]) == 401


def test_a_user_lists_their_live_sessions_without_secrets(client: TestClient, alice: int) -> None:
    first = log_in(client, **{"user-agent": "first-agent"})
    log_in(client, **{"user-agent": "second-agent"})
    response = client.get("/users/me/sessions", headers=bearer(first["access_token"]))
    assert response.status_code == 200
    listed = response.json()
    assert [s["user_agent"] for s in listed] == ["second-agent", "first-agent"]
    assert [s["current"] for s in listed] == [False, True]
    assert set(listed[0]) == {
        "id",
        "created_at",
        "last_refreshed_at",
        "expires_at",
        "client_address",
        "user_agent",
        "current",
    }
    assert first["refresh_token"] not in response.text


def test_ended_sessions_are_not_listed(client: TestClient, alice: int) -> None:
    kept, ended = log_in(client), log_in(client)
    revoke(client, token=ended["refresh_token"])
    listed = client.get("/users/me/sessions", headers=bearer(kept["access_token"])).json()
    assert len(listed) == 1


def test_a_user_ends_one_of_their_sessions_by_id(client: TestClient, alice: int) -> None:
    kept, ended = log_in(client), log_in(client)
    listed = client.get("/users/me/sessions", headers=bearer(kept["access_token"])).json()
    other = next(s["id"] for s in listed if not s["current"])
    response = client.delete(f"/users/me/sessions/{other}", headers=bearer(kept["access_token"]))
    assert response.status_code == 204
    assert (me(client, kept["access_token"]), me(client, ended["access_token"])) == (200, 401)


def test_another_users_session_is_not_found(
    client: TestClient, alice: int, make_user: Callable[..., int]
) -> None:
    make_user("bob", "user")
    bobs = log_in(client, "bob")
    listed = client.get("/users/me/sessions", headers=bearer(bobs["access_token"])).json()
    alices = log_in(client)
    response = client.delete(f"/users/me/sessions/{listed[0]['id']}", headers=bearer(alices["access_token"]))
    assert response.status_code == 404
    assert me(client, bobs["access_token"]) == 200


def test_an_administrator_signs_a_user_out_everywhere(
    client: TestClient, alice: int, admin_token: str
) -> None:
    sessions = [log_in(client), log_in(client)]
    assert client.post("/users/alice/sessions/revoke", headers=bearer(admin_token)).status_code == 204
    assert [me(client, s["access_token"]) for s in sessions] == [401, 401]
    assert me(client, log_in(client)["access_token"]) == 200


def test_signing_out_a_user_needs_users_write(client: TestClient, alice: int, plain_token: str) -> None:
    response = client.post("/users/alice/sessions/revoke", headers=bearer(plain_token))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:write"]


@pytest.fixture
def two_instances(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Two services on one database file, as two hosts behind a load balancer would be."""
    settings = make_settings(tmp_path, user_cache_seconds=0.3)
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        yield one, two


def test_a_logout_on_one_instance_is_enforced_on_another_within_the_bound(
    two_instances: tuple[TestClient, TestClient],
) -> None:
    one, two = two_instances
    session = log_in(one, "admin", ADMIN_PASSWORD)
    assert me(two, session["access_token"]) == 200
    assert revoke(one, token=session["access_token"]) == 200
    assert me(one, session["access_token"]) == 401
    deadline = time.monotonic() + 5
    while me(two, session["access_token"]) == 200:
        assert time.monotonic() < deadline, "the other instance never saw the logout"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("method", "path", "body", "then"),
    [
        ("patch", "/users/alice", {"disabled": True}, 401),
        ("post", "/users/alice/sessions/revoke", None, 401),
        ("delete", "/users/alice/roles/editor", None, 403),
    ],
    ids=["disable", "admin-sign-out", "role-removed"],
)
def test_an_account_change_on_one_instance_is_enforced_on_another_within_the_bound(
    two_instances: tuple[TestClient, TestClient], method: str, path: str, body: Any, then: int
) -> None:
    one, two = two_instances
    admin = log_in(one, "admin", ADMIN_PASSWORD)["access_token"]
    created = {"username": "alice", "password": PASSWORD, "roles": ["editor"]}
    assert one.post("/users", json=created, headers=bearer(admin)).status_code == 201
    token = log_in(two)["access_token"]
    assert two.post("/documents", json={"title": "t"}, headers=bearer(token)).status_code == 201
    kwargs = {"json": body} if body is not None else {}
    assert one.request(method, path, headers=bearer(admin), **kwargs).status_code < 300
    deadline = time.monotonic() + 5
    while (status := two.post("/documents", json={"title": "t"}, headers=bearer(token)).status_code) == 201:
        assert time.monotonic() < deadline, "the other instance never saw the change"
        time.sleep(0.05)
    assert status == then
