"""Password guessing, every way it can be sent, runs into the throttle at the real (small) limits.

A row guesses wrong as often as the limit allows, each guess answered as a plain failure, then sends the
right password: it is refused like the guesses past the limit (so the throttle is no oracle for a right
guess), with a `Retry-After`. Each row calls from an address of its own, at a user of its own.
The throttle's rules (per pair, per address, shared by instances) are tested in
tests/auth/test_throttling.py; this is the catalogue of the ways an attacker would try to get round it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.auth.test_throttling import at
from tests.conftest import PASSWORD, bearer
from tests.security.conftest import attacked
from tests.security.forge import Forge
from tests.security.refusals import NO_STORE, assert_nothing_leaks

WINDOW = 600
PER_PAIR, PER_ADDRESS = 3, 6
PAIR = "Too many failed logins for this user name from your address"
ADDRESS = "Too many failed logins from your address"
CHANGE = 'mutation($o: String!) { changePassword(oldPassword: $o, newPassword: "a new password, long") }'

#: The i-th guess, or the right password (`None`), as user `name` (whose access token is `token`).
Send = Callable[[TestClient, str, str, int | None], httpx.Response]


@dataclass(frozen=True)
class Guessing:
    id: str
    send: Send
    #: The outcome of a wrong guess within the limit: status and error codes.
    miss: tuple[int, tuple[str, ...]]
    #: How many wrong guesses the limit allows, and the message once it is reached.
    limit: int = PER_PAIR
    message: str = PAIR


@pytest.fixture(scope="module")
def forge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forge]:
    limits = {
        "login_max_failures": PER_PAIR,
        "login_max_failures_per_address": PER_ADDRESS,
        "login_window_seconds": WINDOW,
    }
    with attacked(tmp_path_factory.mktemp("throttled"), **limits) as service:
        yield service


def password(guess: int | None) -> str:
    return PASSWORD if guess is None else f"guess number {guess}"


def token_grant(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    form = {"grant_type": "password", "username": name, "password": password(guess)}
    return client.post("/token", data=form)


def graphql_login(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    variables = {"u": name, "p": password(guess)}
    query = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
    return client.post("/graphql", json={"query": query, "variables": variables})


def aliased_logins(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    """Five guesses in one operation, each an alias of `login`; the right password comes first, alone."""
    if guess is None:
        return graphql_login(client, name, token, None)
    fields = " ".join(
        f'a{i}: login(username: "{name}", password: "guess {guess}-{i}") {{ accessToken }}' for i in range(5)
    )
    return client.post("/graphql", json={"query": f"mutation {{ {fields} }}"})


def old_password(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    change = {"password": "a new password, long", "old_password": password(guess)}
    return client.patch("/users/me", json=change, headers=bearer(token))


def graphql_old_password(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    query = {"query": CHANGE, "variables": {"o": password(guess)}}
    return client.post("/graphql", json=query, headers=bearer(token))


def name_variants(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    """`user7`, `USER7`, fullwidth `ｕser7`: one account, one count."""
    spelling = name if guess is None else [name, name.upper(), chr(0xFF55) + name[1:]][guess % 3]
    return token_grant(client, spelling, token, guess)


def forwarded_for(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    """Each guess claims another client address in `X-Forwarded-For`: the peer address counts (through
    `rbac-api serve` too: tests/transport/test_forwarded_headers.py)."""
    form = {"grant_type": "password", "username": name, "password": password(guess)}
    return client.post("/token", data=form, headers={"X-Forwarded-For": f"198.51.100.{guess or 0}"})


def sprayed(client: TestClient, name: str, token: str, guess: int | None) -> httpx.Response:
    """One wrong guess at each of many accounts (most need not exist), then the right password of one."""
    return token_grant(client, name if guess is None else f"{name}-sprayed-{guess}", token, guess)


INVALID_GRANT = (400, ("invalid_grant",))
BAD_CREDENTIALS = (200, ("BAD_CREDENTIALS",))
WRONG_OLD = (422, ("old_password",))

GUESSING = [
    Guessing("token-endpoint", token_grant, INVALID_GRANT),
    Guessing("graphql-login", graphql_login, BAD_CREDENTIALS),
    Guessing("graphql-aliased-logins", aliased_logins, BAD_CREDENTIALS),
    Guessing("old-password-of-a-password-change", old_password, WRONG_OLD),
    Guessing("old-password-over-graphql", graphql_old_password, (200, ("BAD_USER_INPUT",))),
    Guessing("name-spelled-differently", name_variants, INVALID_GRANT),
    Guessing("x-forwarded-for-rotated", forwarded_for, INVALID_GRANT),
    Guessing("sprayed-over-accounts", sprayed, INVALID_GRANT, limit=PER_ADDRESS, message=ADDRESS),
]


def outcome(response: httpx.Response) -> tuple[int, tuple[str, ...]]:
    """Status and error codes: `error` at /token, `extensions.code` over GraphQL, the field at REST."""
    body = response.json()
    if "errors" in body:
        return response.status_code, tuple(e["extensions"]["code"] for e in body["errors"])
    if "error" in body:
        return response.status_code, (body["error"],)
    return response.status_code, tuple(error["loc"][-1] for error in body["detail"])


def assert_throttled(response: httpx.Response, message: str) -> None:
    """Refused as every guess past the limit is: 429 `slow_down` / `RATE_LIMITED`, with when to retry."""
    body = response.json()
    if "errors" in body:
        (error,) = body["errors"]
        wait = error["extensions"]["retryAfter"]
        assert (response.status_code, error["extensions"]["code"]) == (200, "RATE_LIMITED")
        assert error["message"] == f"{message}; retry after {wait} seconds"
    else:
        wait = int(response.headers["retry-after"])
        description = f"{message}; retry after {wait} seconds"
        expected: Any = (
            {"error": "slow_down", "error_description": description}
            if "error" in body
            else {"detail": description}
        )
        assert (response.status_code, body) == (429, expected)
        if "error" in body:
            assert {k: response.headers[k] for k in NO_STORE} == NO_STORE
    assert 1 <= wait <= WINDOW
    assert_nothing_leaks(response.text)


@pytest.mark.parametrize("guessing", [pytest.param(g, id=g.id) for g in GUESSING])
def test_guessing_runs_into_the_throttle_and_the_right_password_gets_no_different_answer(
    guessing: Guessing, forge: Forge
) -> None:
    client = at(forge.client.app, f"203.0.113.{GUESSING.index(guessing) + 1}")  # type: ignore[arg-type]
    name = forge.user("user")
    token = forge.login(name)["access_token"]  # from the test client's own address
    for guess in range(guessing.limit):
        assert outcome(guessing.send(client, name, token, guess)) == guessing.miss, guess
    assert_throttled(guessing.send(client, name, token, None), guessing.message)
