"""SQL injection: every place a client's string reaches the service answers an injection string exactly as
it answers a plain wrong value (the value itself, where an answer quotes it, aside), never a 500 or a
database error, and changes nothing.

To cover a new place, add a row to `PLACES`: how a value is sent there, and a plain wrong value for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import PASSWORD, bearer
from tests.security.forge import Forge
from tests.security.refusals import ORDINARY_HEADERS, assert_nothing_leaks

INJECTIONS = (
    "' OR '1'='1",
    "admin'--",
    "admin' /*",
    "'; DROP TABLE users; --",
    "1 UNION SELECT password_hash FROM users",
    '" OR ""="',
    "%' OR username LIKE '%",
)
# A NUL character is not an injection string but a refused character, with its own answer everywhere
# (422 / BAD_USER_INPUT): tests/store/test_nul_characters.py.
#: The answer to a path that matches no route.
NO_ROUTE = (404, {}, {"detail": "Not Found"})
#: A value quoted in a message, as Python writes it (`'x'`, or `"x'"` when it holds a single quote).
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class Place:
    id: str
    send: Callable[[Forge, str], httpx.Response]
    #: A plain wrong value for this place: the answer every injection string must get too.
    plain: str
    #: The value is a URL path segment: one holding a '/' is a path that matches no route.
    in_path: bool = False


def password_grant(**form: str) -> Callable[[Forge, str], httpx.Response]:
    """The password grant with `form`, one field of it (the one whose value is `"{}"`) carrying the value."""

    def send(forge: Forge, value: str) -> httpx.Response:
        fields = {"grant_type": "password", **{k: v.format(value) for k, v in form.items()}}
        return forge.client.post("/token", data=fields)

    return send


def refresh_grant(forge: Forge, value: str) -> httpx.Response:
    return forge.client.post("/token", data={"grant_type": "refresh_token", "refresh_token": value})


def admin_get(path: str) -> Callable[[Forge, str], httpx.Response]:
    """`GET path` as an administrator, the value URL-encoded into `path`'s `{}`."""
    return lambda f, value: f.client.get(path.format(quote(value, safe="")), headers=bearer(f.admin_token))


def assign_role(forge: Forge, value: str) -> httpx.Response:
    return forge.client.put(f"/users/victim/roles/{quote(value, safe='')}", headers=bearer(forge.admin_token))


def graphql(query: str, *, as_admin: bool = True) -> Callable[[Forge, str], httpx.Response]:
    """`query` with the value as its variable `$v`, as an administrator or anonymously."""

    def send(forge: Forge, value: str) -> httpx.Response:
        headers = bearer(forge.admin_token) if as_admin else {}
        return forge.client.post(
            "/graphql", json={"query": query, "variables": {"v": value}}, headers=headers
        )

    return send


PLACES = [
    Place("token-username", password_grant(username="{}", password="wrong password"), "nosuchuser"),
    Place("token-password", password_grant(username="victim", password="{}"), "wrong password"),
    Place("token-scope", password_grant(username="victim", password=PASSWORD, scope="{}"), "Users:Read"),
    Place("token-refresh-token", refresh_grant, "not-a-refresh-token"),
    Place("rest-user-name", admin_get("/users/{}"), "nosuchuser", in_path=True),
    Place("rest-role-name", assign_role, "nosuchrole", in_path=True),
    Place("rest-page-cursor", admin_get("/users?cursor={}"), "nosuchcursor"),
    Place("rest-document-id", admin_get("/documents/{}"), "nosuchdocument", in_path=True),
    Place(
        "graphql-user-name", graphql("query($v: String!) { user(username: $v) { username } }"), "nosuchuser"
    ),
    Place(
        "graphql-login",
        graphql(
            "mutation($v: String!) { login(username: $v, password: $v) { accessToken } }", as_admin=False
        ),
        "nosuchuser",
    ),
    Place(
        "graphql-role-name",
        graphql('mutation($v: String!) { assignRole(username: "victim", role: $v) { username } }'),
        "nosuchrole",
    ),
    Place(
        "graphql-page-cursor",
        graphql("query($v: String) { users(after: $v) { edges { node { username } } } }"),
        "nosuchcursor",
    ),
]


def answer(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    """Status, headers beyond the ordinary ones, and body with every quoted value masked."""
    headers = {name: value for name, value in response.headers.items() if name not in ORDINARY_HEADERS}
    return response.status_code, headers, _masked(response.json())


def _masked(body: Any) -> Any:
    if isinstance(body, str):
        return QUOTED.sub("<value>", body)
    if isinstance(body, list):
        return [_masked(item) for item in body]
    if isinstance(body, dict):
        return {key: _masked(value) for key, value in body.items()}
    return body


def user_names(forge: Forge) -> list[str]:
    page = forge.client.get("/users?limit=100", headers=bearer(forge.admin_token)).json()
    return [user["username"] for user in page["items"]]


@pytest.mark.parametrize("place", [pytest.param(p, id=p.id) for p in PLACES])
def test_an_injection_string_gets_the_answer_of_a_plain_wrong_value(place: Place, hmac_forge: Forge) -> None:
    users = user_names(hmac_forge)
    expected = answer(place.send(hmac_forge, place.plain))
    assert expected[0] < 500
    for value in INJECTIONS:
        got = answer(place.send(hmac_forge, value))
        assert got == (NO_ROUTE if place.in_path and "/" in value else expected), value
        assert_nothing_leaks(str(got[2]))
    assert user_names(hmac_forge) == users
