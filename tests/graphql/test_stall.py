"""A small anonymous document cannot stall the server: against a real `rbac-api serve` process, documents
built to cost exponential or deep work are answered at once while /health keeps answering.

The bounds are generous (a noisy 2-core machine must pass them) yet far from what the old code took:
fragments that each spread the next one twice cost it 2**40 steps on the event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.servers import TLS, Server, start_server, stop_server

HEALTH_SECONDS = 2.0
ANSWER_SECONDS = 5.0


def fan_out(n: int) -> str:
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    return f"{{ ...F0 }} {chain} fragment F{n} on Query {{ __typename }}"


def chain(n: int) -> str:
    links = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(n))
    return f"{{ ...F0 }} {links} fragment F{n} on Query {{ __typename }}"


BOMBS = {"fan-out of 40 fragments": fan_out(40), "chain of 250 fragments": chain(250)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (a start costs 2-3 s of CPU); each test waits for its document's answer."""
    running = start_server(tmp_path_factory.mktemp("server"))
    yield running
    stop_server(running)


def post_in_background(url: str, query: str) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def post() -> None:
        start = time.monotonic()
        try:
            outcome["response"] = httpx.post(url, json={"query": query}, timeout=ANSWER_SECONDS, verify=TLS)
        except httpx.TimeoutException:
            outcome["response"] = None
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread, outcome


def health_seconds(server: Server) -> float:
    start = time.monotonic()
    response = httpx.get(server.url + "/health", timeout=HEALTH_SECONDS, verify=TLS)
    assert response.status_code == 200
    return time.monotonic() - start


@pytest.mark.parametrize("bomb", BOMBS.values(), ids=BOMBS.keys())
def test_a_costly_document_is_answered_while_health_stays_prompt(server: Server, bomb: str) -> None:
    thread, outcome = post_in_background(server.url + "/graphql", bomb)
    waits = [health_seconds(server)]  # sent while the document is in flight (or already answered)
    while thread.is_alive() and len(waits) < 10:
        waits.append(health_seconds(server))
    thread.join(ANSWER_SECONDS)
    assert max(waits) < HEALTH_SECONDS
    response = outcome["response"]
    assert response is not None, f"no answer within {ANSWER_SECONDS} s"
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is not None or {e["extensions"]["code"] for e in body["errors"]} == {
        "BAD_USER_INPUT"
    }
