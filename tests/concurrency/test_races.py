"""Fifty requests racing for one outcome: exactly one wins, the others get a clear 4xx, nobody a 500.

Every race runs against a server with one worker and one with two, on SQLite and (in the suite's
PostgreSQL mode) on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.concurrency.racing import BOUND, RACERS, Send, bodies, count_rows, race, statuses
from tests.conftest import PASSWORD
from tests.servers import TLS, Server, wait_until


def create(username: str, admin: dict[str, str]) -> Send:
    body = {"username": username, "password": PASSWORD, "roles": ["user"]}
    return lambda client: client.post("/users", json=body, headers=admin)


def refresh(refresh_token: str) -> Send:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return lambda client: client.post("/token", data=form)


def logged_in(server: Server, username: str, admin: dict[str, str]) -> dict[str, Any]:
    """A fresh user's first token pair."""
    created = httpx.post(
        server.url + "/users", json={"username": username, "password": PASSWORD}, headers=admin, verify=TLS
    )
    assert created.status_code == 201, created.text
    response = server.login(username, PASSWORD)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_fifty_creations_of_one_name_make_one_user_and_forty_nine_conflicts(
    server: Server, admin: dict[str, str]
) -> None:
    responses = race(server, create("racer", admin))
    assert statuses(responses) == {201: 1, 409: RACERS - 1}, server.log()[-3000:]
    assert {body["detail"] for body in bodies(responses, 409)} == {"username 'racer' is already taken"}
    assert count_rows(server, "SELECT count(*) FROM users WHERE username = :name", name="racer") == 1


def test_fifty_assignments_of_one_role_all_succeed_and_store_it_once(
    server: Server, admin: dict[str, str]
) -> None:
    created = httpx.post(
        server.url + "/users", json={"username": "rolf", "password": PASSWORD}, headers=admin, verify=TLS
    )
    assert created.status_code == 201, created.text
    responses = race(server, lambda client: client.put("/users/rolf/roles/auditor", headers=admin))
    assert statuses(responses) == {200: RACERS}, server.log()[-3000:]
    assert all(body["roles"].count("auditor") == 1 for body in bodies(responses, 200))
    links = "SELECT count(*) FROM user_roles WHERE user_id = :id AND role = 'auditor'"
    assert count_rows(server, links, id=created.json()["id"]) == 1


def test_fifty_removals_of_one_role_make_one_change_and_forty_nine_not_found(
    server: Server, admin: dict[str, str]
) -> None:
    remo = {"username": "remo", "password": PASSWORD, "roles": ["user", "auditor"]}
    created = httpx.post(server.url + "/users", json=remo, headers=admin, verify=TLS)
    assert created.status_code == 201, created.text
    responses = race(server, lambda client: client.delete("/users/remo/roles/auditor", headers=admin))
    assert statuses(responses) == {204: 1, 404: RACERS - 1}, server.log()[-3000:]
    assert {body["detail"] for body in bodies(responses, 404)} == {"user 'remo' does not have role 'auditor'"}
    links = "SELECT count(*) FROM user_roles WHERE user_id = :id AND role = 'auditor'"
    assert count_rows(server, links, id=created.json()["id"]) == 0


def test_one_refresh_token_raced_fifty_times_yields_one_new_pair(
    server: Server, admin: dict[str, str]
) -> None:
    first = logged_in(server, "rhea", admin)
    responses = race(server, refresh(first["refresh_token"]))
    assert statuses(responses) == {200: 1, 400: RACERS - 1}, server.log()[-3000:]
    assert {body["error"] for body in bodies(responses, 400)} == {"invalid_grant"}


def test_the_race_ends_the_family_so_the_winners_refresh_token_is_refused(
    server: Server, admin: dict[str, str]
) -> None:
    first = logged_in(server, "remy", admin)
    (winner,) = bodies(race(server, refresh(first["refresh_token"])), 200)
    with httpx.Client(base_url=server.url, verify=TLS) as client:
        refused = refresh(winner["refresh_token"])(client)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")


def test_the_race_ends_the_family_so_the_winners_access_token_is_refused_within_the_bound(
    server: Server, admin: dict[str, str]
) -> None:
    first = logged_in(server, "rory", admin)
    (winner,) = bodies(race(server, refresh(first["refresh_token"])), 200)
    wait_until(lambda: server.get("/users/me", winner["access_token"]).status_code == 401, timeout=BOUND * 20)


def test_fifty_simultaneous_wrong_passwords_get_exactly_the_allowed_failures(
    server: Server, admin: dict[str, str]
) -> None:
    """RBAC_LOGIN_MAX_FAILURES (5 by default) holds under a burst: each attempt is counted before the
    password is checked, so the ones in flight cannot all pass the same count."""
    created = httpx.post(
        server.url + "/users", json={"username": "guessed", "password": PASSWORD}, headers=admin, verify=TLS
    )
    assert created.status_code == 201, created.text
    form = {"grant_type": "password", "username": "guessed", "password": "a wrong password"}
    responses = race(server, lambda client: client.post("/token", data=form))
    assert statuses(responses) == {400: 5, 429: RACERS - 5}, server.log()[-3000:]
    assert {body["error"] for body in bodies(responses, 429)} == {"slow_down"}
