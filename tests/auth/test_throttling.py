"""Failed logins are throttled per (user name, address) and per address, in the shared database; so are
old-password checks and anonymous sign-ups. Every login attempt leaves one audit line, never a password."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.core.errors import NotFound
from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer, make_settings
from tests.graphql.conftest import codes

LIMITS = {
    "login_max_failures": 3,
    "login_max_failures_per_address": 6,
    "signup_max_per_address": 2,
    "login_window_seconds": 600,
}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    application = create_app(make_settings(tmp_path, allow_signup=True, **LIMITS))
    rbac: Rbac = application.state.rbac
    for name in ("alice", "bob"):
        rbac.users.create(
            username=name,
            password_hash=rbac.hasher.hash_sync(PASSWORD),
            email=None,
            full_name=None,
            roles=["user"],
        )
    return application


def at(app: FastAPI, address: str) -> TestClient:
    """A client calling from `address`, as the server sees the peer."""
    return TestClient(app, client=(address, 40000))


def attempt(client: TestClient, username: str, password: str = "wrong password") -> Any:  # noqa: S107
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data=form)


def test_failures_past_the_limit_for_a_name_and_address_get_429_with_retry_after(app: FastAPI) -> None:
    attacker = at(app, "203.0.113.9")
    assert [attempt(attacker, "alice").status_code for _ in range(3)] == [400, 400, 400]
    refused = attempt(attacker, "alice", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert 1 <= int(refused.headers["retry-after"]) <= 600
    assert refused.headers["cache-control"] == "no-store"


def test_the_victim_still_logs_in_from_their_own_address(app: FastAPI) -> None:
    attacker, victim = at(app, "203.0.113.9"), at(app, "198.51.100.7")
    for _ in range(5):
        attempt(attacker, "alice")
    assert attempt(victim, "alice", PASSWORD).status_code == 200


def test_an_address_is_limited_across_user_names(app: FastAPI) -> None:
    sprayer = at(app, "203.0.113.9")
    for index in range(6):
        attempt(sprayer, f"user{index}")
    assert attempt(sprayer, "bob", PASSWORD).status_code == 429
    assert attempt(at(app, "198.51.100.7"), "bob", PASSWORD).status_code == 200


def test_a_success_starts_the_pair_afresh(app: FastAPI) -> None:
    client = at(app, "198.51.100.7")
    attempt(client, "alice")
    attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 200
    assert [attempt(client, "alice").status_code for _ in range(3)] == [400, 400, 400]


def test_differently_written_names_count_together(app: FastAPI) -> None:
    client = at(app, "203.0.113.9")
    for name in ("alice", "ALICE", "Ａlice"):
        attempt(client, name)
    assert attempt(client, "alice", PASSWORD).status_code == 429


def test_throttling_state_is_shared_by_instances_on_one_database(tmp_path: Path, app: FastAPI) -> None:
    other = create_app(make_settings(tmp_path, **LIMITS))
    for _ in range(3):
        attempt(at(app, "203.0.113.9"), "alice")
    assert attempt(at(other, "203.0.113.9"), "alice", PASSWORD).status_code == 429


def test_graphql_login_past_the_limit_is_rate_limited(app: FastAPI) -> None:
    client = at(app, "203.0.113.9")
    query = 'mutation { login(username: "alice", password: "wrong password") { accessToken } }'
    for _ in range(3):
        assert codes(client.post("/graphql", json={"query": query}).json()) == ["BAD_CREDENTIALS"]
    body = client.post("/graphql", json={"query": query}).json()
    assert codes(body) == ["RATE_LIMITED"]
    assert body["errors"][0]["extensions"]["retryAfter"] >= 1


def test_aliased_logins_count_every_guess_that_runs(app: FastAPI) -> None:
    """`login` is non-null, so the first failing alias ends the operation: one guess per request runs,
    and it counts like any other."""
    client = at(app, "203.0.113.9")
    aliases = " ".join(
        f'a{i}: login(username: "alice", password: "guess {i}") {{ accessToken }}' for i in range(5)
    )
    guesses = [client.post("/graphql", json={"query": f"mutation {{ {aliases} }}"}).json() for _ in range(4)]
    assert [codes(body) for body in guesses] == [["BAD_CREDENTIALS"]] * 3 + [["RATE_LIMITED"]]


def test_wrong_old_passwords_are_throttled_like_logins(app: FastAPI) -> None:
    client = at(app, "203.0.113.9")
    token = attempt(client, "alice", PASSWORD).json()["access_token"]
    change = {"password": "a new password!", "old_password": "not it"}
    statuses = [client.patch("/users/me", json=change, headers=bearer(token)).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    right = {"password": "a new password!", "old_password": PASSWORD}
    assert client.patch("/users/me", json=right, headers=bearer(token)).status_code == 429


def test_anonymous_sign_ups_are_throttled_per_address(app: FastAPI) -> None:
    client = at(app, "203.0.113.9")
    statuses = [
        client.post("/users", json={"username": f"new{i}", "password": PASSWORD}).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    other = at(app, "198.51.100.7")
    assert other.post("/users", json={"username": "new9", "password": PASSWORD}).status_code == 201


def test_aliased_sign_ups_count_one_by_one(app: FastAPI) -> None:
    client = at(app, "203.0.113.9")
    aliases = " ".join(
        f'u{i}: createUser(input: {{username: "alias{i}", password: "{PASSWORD}"}}) {{ id }}'
        for i in range(4)
    )
    body = client.post("/graphql", json={"query": f"mutation {{ {aliases} }}"}).json()
    assert codes(body) == ["RATE_LIMITED"]
    rbac: Rbac = app.state.rbac
    created = [name for name in ("alias0", "alias1", "alias2", "alias3") if _exists(rbac, name)]
    assert created == ["alias0", "alias1"]


def _exists(rbac: Rbac, name: str) -> bool:
    try:
        rbac.users.id_of(name)
    except NotFound:
        return False
    return True


def test_every_login_attempt_leaves_one_audit_line_without_the_password(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = at(app, "203.0.113.9")
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        attempt(client, "alice", "hunter2-wrong")
        attempt(client, "alice", PASSWORD)
        attempt(client, "alice")
        attempt(client, "alice")
        attempt(client, "alice", PASSWORD)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rbac_api.audit"]
    logins = [line for line in lines if line["event"] == "login"]
    assert [line["outcome"] for line in logins] == [
        "bad_credentials",
        "success",
        "bad_credentials",
        "bad_credentials",
        "success",
    ]
    assert {line["address"] for line in logins} == {"203.0.113.9"}
    assert {line["username"] for line in logins} == {"alice"}
    assert "hunter2-wrong" not in caplog.text
    assert PASSWORD not in caplog.text


def test_a_throttled_attempt_is_logged_as_throttled(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    client = at(app, "203.0.113.9")
    for _ in range(3):
        attempt(client, "alice")
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        attempt(client, "alice")
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rbac_api.audit"]
    assert (line["event"], line["outcome"]) == ("login", "throttled")
