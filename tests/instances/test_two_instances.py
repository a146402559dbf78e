"""Two instances on one PostgreSQL database: what is done on one holds on the other, within the bound.

Each test first has the other instance act on the user (so it holds the user in its cache), then makes the
change on the first, then polls the other until it enforces the change: within RBAC_USER_CACHE_SECONDS
(`BOUND`) plus the `MARGIN` polling needs.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer
from tests.instances.conftest import BOUND, MARGIN, MAX_FAILURES
from tests.servers import TLS, Server, wait_until

NEW_PASSWORD = "a brand new passphrase"


def send(server: Server, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
    headers = bearer(token) if token else {}
    return httpx.request(method, server.url + path, headers=headers, timeout=10, verify=TLS, **kwargs)


def admin(server: Server) -> str:
    return server.token("admin", ADMIN_PASSWORD)


def session_on(server: Server, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """A login on `server` whose access token `server` has already accepted (and so cached its user)."""
    response = server.login(username, password)
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    assert server.get("/users/me", pair["access_token"]).status_code == 200
    return pair


def within_the_bound(server: Server, path: str, token: str, status: int) -> None:
    wait_until(lambda: server.get(path, token).status_code == status, timeout=BOUND + MARGIN)


def refresh(server: Server, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return send(server, "POST", "/token", data=form)


def test_a_user_created_on_one_logs_in_on_the_other(one: Server, two: Server) -> None:
    one.add_user("ulla", "user")
    response = two.login("ulla", PASSWORD)
    assert response.status_code == 200, response.text
    assert two.get("/users/me", response.json()["access_token"]).json()["username"] == "ulla"


@pytest.mark.parametrize("revoked", ["refresh_token", "access_token"])
def test_a_logout_on_one_ends_the_session_on_the_other(one: Server, two: Server, revoked: str) -> None:
    name = f"lou-{revoked[0]}"
    one.add_user(name, "user")
    pair = session_on(two, name)
    assert send(one, "POST", "/revoke", data={"token": pair[revoked]}).status_code == 200
    refused = refresh(two, pair["refresh_token"])
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
    within_the_bound(two, "/users/me", pair["access_token"], 401)


def test_a_password_change_on_one_is_enforced_on_the_other(one: Server, two: Server) -> None:
    token = one.add_user("paula", "user")
    old = session_on(two, "paula")
    change = {"password": NEW_PASSWORD, "old_password": PASSWORD}
    assert send(one, "PATCH", "/users/me", token, json=change).status_code == 200
    assert two.login("paula", PASSWORD).status_code == 400
    assert two.login("paula", NEW_PASSWORD).status_code == 200
    assert refresh(two, old["refresh_token"]).status_code == 400
    within_the_bound(two, "/users/me", old["access_token"], 401)


def test_a_disable_on_one_is_enforced_on_the_other(one: Server, two: Server) -> None:
    one.add_user("dora", "user")
    pair = session_on(two, "dora")
    assert send(one, "PATCH", "/users/dora", admin(one), json={"disabled": True}).status_code == 200
    assert two.login("dora", PASSWORD).status_code == 400
    assert refresh(two, pair["refresh_token"]).status_code == 400
    within_the_bound(two, "/users/me", pair["access_token"], 401)


def test_a_role_removed_on_one_is_enforced_on_the_other(one: Server, two: Server) -> None:
    one.add_user("rhoda", "auditor", "user")
    token = session_on(two, "rhoda")["access_token"]
    assert two.get("/users", token).status_code == 200
    assert send(one, "DELETE", "/users/rhoda/roles/auditor", admin(one)).status_code == 204
    within_the_bound(two, "/users", token, 403)


def test_a_role_assigned_on_one_is_granted_by_the_other(one: Server, two: Server) -> None:
    one.add_user("aldo", "user")
    assert two.get("/users", session_on(two, "aldo")["access_token"]).status_code == 403
    assert send(one, "PUT", "/users/aldo/roles/auditor", admin(one)).status_code == 200
    token = session_on(two, "aldo")["access_token"]  # asks for every scope the roles grant now
    within_the_bound(two, "/users", token, 200)


def test_failed_logins_spread_over_both_instances_hit_the_limit_together(one: Server, two: Server) -> None:
    one.add_user("theo", "user")
    failures = [(one, two)[n % 2].login("theo", "not the password").status_code for n in range(MAX_FAILURES)]
    assert failures == [400] * MAX_FAILURES
    assert [server.login("theo", PASSWORD).status_code for server in (one, two)] == [429, 429]


def test_both_report_the_same_policy_version_after_an_edit(one: Server, two: Server) -> None:
    before = one.version()
    assert two.version() == before
    one.edit("roles.yaml", lambda text: text + "# reviewed\n")
    wait_until(lambda: before != one.version() == two.version(), timeout=5)
