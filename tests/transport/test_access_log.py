"""One access line per request (none with RBAC_ACCESS_LOG=false); credentials sent in a URL's query string
never reach it, the rest of the line does."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.transport.access_log import ACCESS_LINES, ACCESS_LOGGER, FLUSH_SECONDS, QUERY_SECRETS_FILTER
from tests.conftest import make_settings
from tests.servers import EXE, TLS, Server, start_server, stop_server, wait_until

ACCESS_FORMAT = '%s - "%s %s HTTP/%s" %d'  # uvicorn's access log call


def access_line(target: str) -> str:
    """The message of an access log record shaped as uvicorn makes it, after the access logger's filters
    (which `create_app`, run by the `client` fixture, has installed)."""
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        ACCESS_FORMAT,
        ("127.0.0.1:5000", "GET", target, "1.1", 200),
        None,
    )
    assert logging.getLogger(ACCESS_LOGGER).filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    "name",
    [
        "access_token",
        "token",
        "refresh_token",
        "password",
        "client_secret",
        "Access_Token",
        "TOKEN",
        "acc%65ss_token",
    ],
)
def test_the_value_of_a_secret_parameter_is_redacted(client: TestClient, name: str) -> None:
    line = access_line(f"/users?limit=5&{name}=s3cr3t-value&cursor=abc")
    assert line == f'127.0.0.1:5000 - "GET /users?limit=5&{name}=[redacted]&cursor=abc HTTP/1.1" 200'


@pytest.mark.parametrize(
    "target", ["/users?tokens=abc&token_type_hint=x", "/users", "/users?token", "/users?token="]
)
def test_other_parameters_and_targets_are_left_as_sent(client: TestClient, target: str) -> None:
    assert access_line(target) == f'127.0.0.1:5000 - "GET {target} HTTP/1.1" 200'


@pytest.fixture
def bare_access_logger() -> Iterator[logging.Logger]:
    """uvicorn's access logger as uvicorn leaves it, without our filter; restored afterwards."""
    logger = logging.getLogger(ACCESS_LOGGER)
    installed = QUERY_SECRETS_FILTER in logger.filters
    logger.removeFilter(QUERY_SECRETS_FILTER)
    yield logger
    if installed:
        logger.addFilter(QUERY_SECRETS_FILTER)


def test_create_app_installs_the_filter_once(bare_access_logger: logging.Logger, tmp_path: Path) -> None:
    create_app(make_settings(tmp_path))
    create_app(make_settings(tmp_path))
    assert bare_access_logger.filters.count(QUERY_SECRETS_FILTER) == 1


SERVERS = {
    "rbac-api-serve": (EXE, "serve"),
    "plain-uvicorn": (sys.executable, "-m", "uvicorn", "--factory", "rbac_api.app:app_from_environment"),
}


def _shared_server(tmp_path_factory: pytest.TempPathFactory, command: str) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("access-log"), command=SERVERS[command])
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def serve_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _shared_server(tmp_path_factory, "rbac-api-serve")


@pytest.fixture(scope="module")
def uvicorn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _shared_server(tmp_path_factory, "plain-uvicorn")


@pytest.fixture(params=SERVERS.keys())
def server(request: pytest.FixtureRequest) -> Server:
    """A real server of each kind, started once for the module (a start costs 2-3 s of CPU): each test
    sends requests of its own and waits until they are written (`logged`) before reading the log."""
    shared: Server = request.getfixturevalue(
        "serve_server" if request.param == "rbac-api-serve" else "uvicorn_server"
    )
    return shared


def logged(server: Server, marker: str) -> str:
    """The server's log once the request carrying `marker` is in it and every line it could have added
    since has been written (lines are flushed within `FLUSH_SECONDS`)."""
    wait_until(lambda: marker in server.log())
    time.sleep(3 * FLUSH_SECONDS)
    return server.log()


def test_a_real_server_logs_the_request_without_the_secrets(server: Server) -> None:
    target = "/health?access_token=s3cr3t-one&verbose=1&Password=s3cr3t-two"
    assert httpx.get(server.url + target, verify=TLS).status_code == 200
    log = logged(server, "/health?access_token=")
    assert "s3cr3t" not in log
    assert '"GET /health?access_token=[redacted]&verbose=1&Password=[redacted] HTTP/1.1" 200' in log


def _written(capsys: pytest.CaptureFixture[str]) -> list[str]:
    ACCESS_LINES.flush()
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("INFO:")]


def test_each_request_is_logged_once_in_uvicorns_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path, access_log=True))) as client:
        _written(capsys)
        assert client.get("/health?verbose=1").status_code == 200
        assert client.get("/nowhere").status_code == 404
    assert _written(capsys) == [
        'INFO:     testclient:50000 - "GET /health?verbose=1 HTTP/1.1" 200 OK',
        'INFO:     testclient:50000 - "GET /nowhere HTTP/1.1" 404 Not Found',
    ]


def test_the_logged_line_carries_no_secret_of_the_query_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path, access_log=True))) as client:
        _written(capsys)
        client.get("/health?access_token=s3cr3t-one&x=1&acc%65ss_token=s3cr3t-two")
    assert _written(capsys) == [
        'INFO:     testclient:50000 - "GET /health?access_token=[redacted]&x=1&acc%65ss_token=[redacted] '
        'HTTP/1.1" 200 OK'
    ]


def test_no_line_is_written_with_the_access_log_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TestClient(create_app(make_settings(tmp_path, access_log=False))) as client:
        _written(capsys)
        assert client.get("/health").status_code == 200
    assert _written(capsys) == []


def test_a_real_server_with_the_access_log_off_writes_no_line(tmp_path: Path) -> None:
    server = start_server(tmp_path, RBAC_ACCESS_LOG="false")
    try:
        assert httpx.get(server.url + "/users/me", verify=TLS).status_code == 401
        assert httpx.get(server.url + "/health", verify=TLS).status_code == 200
        time.sleep(3 * FLUSH_SECONDS)
    finally:
        stop_server(server)
    assert '"GET /users/me' not in server.log()
    assert '"GET /health' not in server.log()


def test_a_real_server_logs_a_request_once(server: Server) -> None:
    assert httpx.get(server.url + "/users/me?once=1", verify=TLS).status_code == 401
    log = logged(server, "/users/me?once=1")
    assert log.count('"GET /users/me?once=1 HTTP/1.1" 401 Unauthorized') == 1
