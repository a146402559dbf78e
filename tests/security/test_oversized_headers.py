"""Oversized headers, sent to a real `rbac-api serve` at its default limits: a token just too long for the
service is an invalid token; a head too large to read is refused before it is buffered (431)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE
from rbac_api.settings import DEFAULT_MAX_HEADER_BYTES
from tests.security.refusals import Refusal, assert_refused
from tests.servers import TLS, Server, start_server, stop_server

TOO_LARGE = Refusal(
    431,
    {
        "detail": f"Request header fields are larger than the limit of {DEFAULT_MAX_HEADER_BYTES} bytes "
        "(RBAC_MAX_HEADER_BYTES); send fewer or smaller headers"
    },
    {"connection": "close"},
)
INVALID_TOKEN = Refusal(
    401, {"detail": INVALID_TOKEN_MESSAGE}, {"www-authenticate": 'Bearer error="invalid_token"'}
)
INVALID_TOKEN_GRAPHQL = Refusal(
    200,
    {"data": None, "errors": [{"message": INVALID_TOKEN_MESSAGE, "extensions": {"code": "UNAUTHENTICATED"}}]},
)


@dataclass(frozen=True)
class Oversized:
    id: str
    headers: list[tuple[str, str]]
    refusal: Refusal
    graphql: bool = False


def bearer_of(size: int) -> list[tuple[str, str]]:
    return [("Authorization", "Bearer " + "x" * size)]


OVERSIZED = [
    Oversized("token-of-9-kb", bearer_of(9 * 1024), INVALID_TOKEN),
    Oversized("token-of-9-kb-over-graphql", bearer_of(9 * 1024), INVALID_TOKEN_GRAPHQL, graphql=True),
    Oversized("authorization-of-64-kb", bearer_of(64 * 1024), TOO_LARGE),
    Oversized("authorization-of-64-kb-over-graphql", bearer_of(64 * 1024), TOO_LARGE, graphql=True),
    Oversized("a-thousand-headers", [(f"X-Header-{i}", "h" * 100) for i in range(1000)], TOO_LARGE),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)


@pytest.mark.parametrize("oversized", [pytest.param(o, id=o.id) for o in OVERSIZED])
def test_an_oversized_header_is_refused_exactly(oversized: Oversized, server: Server) -> None:
    if oversized.graphql:
        query = {"query": "{ me { username } }"}
        response = httpx.post(
            f"{server.url}/graphql", json=query, headers=oversized.headers, timeout=10, verify=TLS
        )
    else:
        response = httpx.get(f"{server.url}/users/me", headers=oversized.headers, timeout=10, verify=TLS)
    assert_refused(response, oversized.refusal, sent=[value for _, value in oversized.headers])


def test_a_header_that_never_ends_is_cut_off_near_the_limit(server: Server) -> None:
    """Before, the server read all of it: a 200 MB header grew it by 350 MB. Now the connection is closed
    once the head passes the limit; what is sent after that only fills the kernel's buffers."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nX-Endless: ")
        taken = bytes_taken(connection, most=64 * 1024 * 1024)
    assert taken < 16 * 1024 * 1024
    assert server.get("/health").status_code == 200


def bytes_taken(connection: socket.socket, *, most: int) -> int:
    """How much of an endless header the server takes before it closes the connection (at most `most`)."""
    sent = 0
    try:
        while sent < most:
            connection.sendall(b"x" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent
