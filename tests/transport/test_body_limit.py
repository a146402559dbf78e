"""RBAC_MAX_BODY_BYTES: every route refuses a larger body with 413, before anything parses it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient

from tests.servers import Server
from tests.transport.conftest import LIMIT

REFUSAL = f"Request body is larger than {LIMIT} bytes (RBAC_MAX_BODY_BYTES); send a smaller body"
JSON = {"content-type": "application/json"}


def chunks(total: int, size: int = 100) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked), as a client streaming it would."""
    while total > 0:
        yield b"x" * min(size, total)
        total -= size


def test_a_declared_length_over_the_limit_is_refused_with_413(app_client: TestClient) -> None:
    response = app_client.post("/users", content=b"x" * (LIMIT + 1), headers=JSON)
    assert response.status_code == 413
    assert response.json() == {"detail": REFUSAL}
    assert response.headers["connection"] == "close"


def test_a_chunked_body_over_the_limit_is_refused_with_413(app_client: TestClient) -> None:
    response = app_client.post("/users", content=chunks(LIMIT + 1), headers=JSON)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert (response.status_code, response.json()) == (413, {"detail": REFUSAL})


def test_a_body_longer_than_its_content_length_is_counted(app_client: TestClient) -> None:
    response = app_client.post("/echo", content=b"x" * (LIMIT + 1), headers={"content-length": "10"})
    assert response.status_code == 413


def test_a_content_length_of_thousands_of_digits_is_a_413_not_a_500(app_client: TestClient) -> None:
    response = app_client.post("/echo", content=b"x", headers={"content-length": "9" * 5000})
    assert response.status_code == 413


def test_a_body_of_exactly_the_limit_reaches_the_route(app_client: TestClient) -> None:
    assert app_client.post("/echo", content=b"x" * LIMIT).json() == {"received": LIMIT}
    assert app_client.post("/echo", content=chunks(LIMIT)).json() == {"received": LIMIT}


def test_an_application_route_is_covered(app_client: TestClient) -> None:
    assert app_client.post("/echo", content=b"x" * (LIMIT + 1)).status_code == 413
    assert app_client.post("/echo", content=chunks(LIMIT + 1)).status_code == 413


def test_the_token_form_is_covered(app_client: TestClient) -> None:
    form = {"grant_type": "password", "username": "admin", "password": "x" * LIMIT}
    assert app_client.post("/token", data=form).status_code == 413


def test_a_graphql_refusal_is_graphql_shaped(app_client: TestClient) -> None:
    shaped = {"errors": [{"message": REFUSAL, "extensions": {"code": "BAD_REQUEST"}}]}
    declared = app_client.post("/graphql", json={"query": "{ can(scopes: []) }" + " " * LIMIT})
    assert (declared.status_code, declared.json()) == (413, shaped)
    chunked = app_client.post("/graphql", content=chunks(LIMIT + 1), headers=JSON)
    assert (chunked.status_code, chunked.json()) == (413, shaped)


def test_the_default_limit_is_one_mebibyte(client: TestClient) -> None:
    response = client.post("/users", content=b"x" * (1024 * 1024 + 1), headers=JSON)
    assert response.status_code == 413
    assert response.json()["detail"].startswith("Request body is larger than 1048576 bytes")
    under = client.post("/users", content=b"x" * (1024 * 1024), headers=JSON)
    assert under.status_code == 422  # read, then refused as JSON: the limit let it through


def exchange(server: Server, path: str, framing: str, *body: bytes) -> tuple[bytes, bytes]:
    """POST a JSON body's head (`framing` is its length header) and some of the body over a socket, never
    finishing it; return the answer's status line and body, read until the server closes the connection."""
    url = httpx.URL(server.url)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    with socket.create_connection((url.host, url.port), timeout=10) as sock:
        sock.sendall(head.encode())
        for part in body:
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    return status, rest.partition(b"\r\n\r\n")[2]


def test_a_server_answers_a_declared_length_over_the_limit_before_any_body_is_sent(server: Server) -> None:
    status, body = exchange(server, "/users", "Content-Length: 1000000000")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert json.loads(body) == {"detail": REFUSAL}


def test_a_server_answers_a_chunked_body_as_soon_as_it_passes_the_limit(server: Server) -> None:
    chunk = b"200\r\n" + b" " * 0x200 + b"\r\n"
    # 1,024 bytes in two chunks, and no last chunk: the client is still sending.
    status, body = exchange(server, "/graphql", "Transfer-Encoding: chunked", chunk, chunk)
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert json.loads(body)["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
