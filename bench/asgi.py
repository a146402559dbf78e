"""Requests straight into the ASGI app, no sockets: the app's own CPU cost per request, A/B interleaved.

Steadier than wrk on a shared machine (no network stack, no load generator), so it is the figure to use
while optimising; wrk's figures are the ones that count.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

Scope = dict[str, Any]
App = Callable[..., Any]


def _scope(path: str, headers: Mapping[str, str]) -> Scope:
    raw = [(b"host", b"bench"), *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def request(app: App, path: str, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """One GET; returns status and body."""
    out: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    await app(_scope(path, headers), _receive, send)
    return out["status"], out["body"]


async def per_request(app: App, path: str, headers: Callable[[], Mapping[str, str]], count: int) -> float:
    """Seconds per request over `count` sequential requests (headers() is called for each)."""
    scopes = [_scope(path, headers()) for _ in range(count)]

    async def send(message: dict[str, Any]) -> None:
        return None

    start = time.perf_counter()
    for scope in scopes:
        await app(scope, _receive, send)
    return (time.perf_counter() - start) / count


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
