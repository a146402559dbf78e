"""A real `rbac-api serve` for the conformance run, with the account schemathesis authenticates as."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server, start_server, stop_server

#: The fuzzer fails logins and signs up from one address many times a second: limits it would hit on
#: purpose, which tests/auth/test_throttling.py covers.
GENEROUS_LIMITS = {
    "RBAC_LOGIN_MAX_FAILURES": "10000",
    "RBAC_LOGIN_MAX_FAILURES_PER_ADDRESS": "10000",
    "RBAC_SIGNUP_MAX_PER_ADDRESS": "10000",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = start_server(tmp_path, **GENEROUS_LIMITS)
    try:
        yield started
    finally:
        stop_server(started)
