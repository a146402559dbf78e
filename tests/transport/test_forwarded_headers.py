"""`rbac-api serve` believes `X-Forwarded-For` only from the proxies `RBAC_FORWARDED_ALLOW_IPS` lists: a
client cannot name a fresh address for every password guess and so escape the login throttle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.servers import TLS, Server, start_server, stop_server

LIMITS = {"RBAC_LOGIN_MAX_FAILURES": "3", "RBAC_LOGIN_MAX_FAILURES_PER_ADDRESS": "100"}


@pytest.fixture
def direct(tmp_path: Path) -> Iterator[Server]:
    """A server clients reach directly: no proxy listed."""
    running = start_server(tmp_path, **LIMITS)
    yield running
    stop_server(running)


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Server]:
    """A server behind a proxy on its own host, listed in `RBAC_FORWARDED_ALLOW_IPS`."""
    running = start_server(tmp_path, RBAC_FORWARDED_ALLOW_IPS="127.0.0.1", **LIMITS)
    yield running
    stop_server(running)


def login(server: Server, password: str, forwarded_for: str) -> httpx.Response:
    form = {"grant_type": "password", "username": "admin", "password": password}
    return httpx.post(
        f"{server.url}/token", data=form, headers={"X-Forwarded-For": forwarded_for}, timeout=10, verify=TLS
    )


def test_a_client_naming_another_address_for_every_guess_is_still_throttled(direct: Server) -> None:
    guesses = [login(direct, "wrong password", f"198.51.100.{i}").status_code for i in range(5)]
    assert guesses == [400, 400, 400, 429, 429]


def test_behind_a_listed_proxy_each_client_is_counted_by_its_forwarded_address(proxied: Server) -> None:
    guesses = [login(proxied, "wrong password", "203.0.113.9").status_code for _ in range(4)]
    assert guesses == [400, 400, 400, 429]
    victim = login(proxied, ADMIN_PASSWORD, "198.51.100.7")
    assert victim.status_code == 200
    sessions = httpx.get(
        f"{proxied.url}/users/me/sessions",
        headers={"Authorization": f"Bearer {victim.json()['access_token']}"},
        timeout=10,
        verify=TLS,
    ).json()
    assert [session["client_address"] for session in sessions] == ["198.51.100.7"]
