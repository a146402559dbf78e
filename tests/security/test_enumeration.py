"""User enumeration: an account that exists and one that does not get the same answer in the same time.

Each row pairs a failed login at an account that exists with one at a name that does not: the answers must
be identical, and their median times (of many interleaved tries) within a generous ratio. The REST token
endpoint's pair, and the proof that both cost the same queries and one bcrypt, are in
tests/auth/test_login_timing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.security.forge import Forge
from tests.security.refusals import Refusal, assert_refused, graphql_error, oauth_error
from tests.timing import median_ratio

#: Login `name` with `password` through some channel.
Login = Callable[[Forge, str, str], httpx.Response]


@dataclass(frozen=True)
class Pair:
    id: str
    login: Login
    #: Whether the account that exists is disabled; the password it is tried with.
    disabled: bool
    password: str
    #: The one answer both get.
    refusal: Refusal


def token_grant(forge: Forge, name: str, password: str) -> httpx.Response:
    return forge.client.post(
        "/token", data={"grant_type": "password", "username": name, "password": password}
    )


def graphql_login(forge: Forge, name: str, password: str) -> httpx.Response:
    query = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
    return forge.client.post("/graphql", json={"query": query, "variables": {"u": name, "p": password}})


BAD = "Incorrect username or password"
GRANT_REFUSED = oauth_error("invalid_grant", BAD)
LOGIN_REFUSED = graphql_error(BAD, "BAD_CREDENTIALS", "login", 38)

PAIRS = [
    Pair("graphql-wrong-password-vs-unknown-user", graphql_login, False, "wrong password", LOGIN_REFUSED),
    Pair("disabled-account-right-password-vs-unknown-user", token_grant, True, PASSWORD, GRANT_REFUSED),
    Pair("graphql-disabled-account-vs-unknown-user", graphql_login, True, PASSWORD, LOGIN_REFUSED),
]


@pytest.mark.parametrize("pair", [pytest.param(p, id=p.id) for p in PAIRS])
def test_an_existing_account_and_an_unknown_name_get_the_same_answer_in_the_same_time(
    pair: Pair, hmac_forge: Forge
) -> None:
    name = hmac_forge.user("user")
    if pair.disabled:
        hmac_forge.as_admin("PATCH", f"/users/{name}", json={"disabled": True})
    for who in (name, "nobody"):
        assert_refused(pair.login(hmac_forge, who, pair.password), pair.refusal, where=who)

    ratio = median_ratio(
        lambda: pair.login(hmac_forge, name, pair.password),
        lambda: pair.login(hmac_forge, "nobody", pair.password),
    )
    assert 0.8 < ratio < 1.25, ratio
