"""`rbac-api serve` bounds request heads: counted as they arrive, refused with 431 once over the limit."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest

from tests.servers import Server, start_server, stop_server

LIMIT = 2048


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"), RBAC_MAX_HEADER_BYTES=str(LIMIT))
    yield running
    stop_server(running)


def head(size: int, *, keep_alive: bool = False) -> bytes:
    """A GET request whose head (request line to blank line included) is exactly `size` bytes."""
    connection = "keep-alive" if keep_alive else "close"
    start = f"GET /health HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\nX-Pad: ".encode()
    padding = size - len(start) - len(b"\r\n\r\n")
    return start + b"p" * padding + b"\r\n\r\n"


def post(padding: bytes) -> bytes:
    """A GraphQL POST whose JSON body carries `padding`."""
    body = json.dumps({"query": "{ __typename }", "padding": padding.decode()}).encode()
    start = "POST /graphql HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n"
    return f"{start}Content-Length: {len(body)}\r\n\r\n".encode() + body


def exchange(server: Server, *pieces: bytes, pause: float = 0.0) -> bytes:
    """Send `pieces` on one connection (pausing between them, so each is a read of its own), then read
    until the server closes the connection."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            connection.sendall(piece)
            time.sleep(pause)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def statuses(answer: bytes) -> list[int]:
    """The status of each response in `answer` (responses to pipelined requests follow each other)."""
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


def test_a_head_of_exactly_the_limit_is_served(server: Server) -> None:
    assert statuses(exchange(server, head(LIMIT))) == [200]


def test_a_head_one_byte_over_the_limit_gets_431_and_the_connection_closes(server: Server) -> None:
    answer = exchange(server, head(LIMIT + 1))
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status_line == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert b"connection: close" in headers.split(b"\r\n")
    assert json.loads(body) == {
        "detail": f"Request header fields are larger than the limit of {LIMIT} bytes "
        "(RBAC_MAX_HEADER_BYTES); send fewer or smaller headers"
    }


def test_a_head_is_counted_across_reads(server: Server) -> None:
    request = head(LIMIT + 1)
    assert statuses(
        exchange(server, *(request[i : i + 500] for i in range(0, len(request), 500)), pause=0.05)
    ) == [431]


def test_the_blank_line_ending_a_head_is_found_when_split_across_reads(server: Server) -> None:
    """Missing it would count the body that follows as head."""
    request = post(b"b" * (4 * LIMIT))
    end = request.index(b"\r\n\r\n") + 3
    assert statuses(exchange(server, request[:end], request[end:], pause=0.05)) == [200]


def test_empty_lines_before_the_request_line_count_and_do_not_end_the_head(server: Server) -> None:
    assert statuses(exchange(server, b"\r\n\r\n", head(LIMIT - 3), pause=0.05)) == [431]


def test_each_request_on_a_kept_alive_connection_is_counted_afresh(server: Server) -> None:
    pieces = (head(LIMIT, keep_alive=True), head(LIMIT, keep_alive=True), head(LIMIT + 1))
    assert statuses(exchange(server, *pieces, pause=0.05)) == [200, 200, 431]


def test_a_body_is_not_counted_as_head(server: Server) -> None:
    assert statuses(exchange(server, post(b"b" * (4 * LIMIT)))) == [200]


def test_worker_processes_enforce_the_limit_too(tmp_path_factory: pytest.TempPathFactory) -> None:
    running = start_server(
        tmp_path_factory.mktemp("workers"), "--workers", "2", RBAC_MAX_HEADER_BYTES=str(LIMIT)
    )
    try:
        assert statuses(exchange(running, head(LIMIT + 1))) == [431]
        assert statuses(exchange(running, head(LIMIT))) == [200]
    finally:
        stop_server(running)
