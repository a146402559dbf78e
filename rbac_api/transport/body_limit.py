"""The request-body limit of every route, enforced while the body is read, before anything parses it."""

from __future__ import annotations

import json
import sys

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rbac_api.transport.refusals import refusal_body

_HTTP1 = frozenset({"1.0", "1.1"})
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})
#: Longer `Content-Length` values are over any limit; `int()` of one of thousands of digits would raise.
_MAX_LENGTH_DIGITS = 18


class BodyTooLarge(Exception):
    """Raised into the app by `receive` once the body passes the limit; `BodyLimit` answers 413 instead."""


class BodyLimit:
    """Pure ASGI middleware: 413 for a request body larger than `max_bytes`.

    A declared `Content-Length` over the limit is refused before anything is read. When a body may come
    (a length, chunked transfer, or HTTP/2, where neither need be declared), `receive` counts the bytes as
    they arrive and raises `BodyTooLarge` into the app as soon as they pass the limit, and whatever the app
    then answers is replaced by the 413. A request without a body (a GET) costs one scan of its headers:
    no wrapper, no object. Not Starlette's `BaseHTTPMiddleware`, which costs a task per request.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.message = (
            f"Request body is larger than {max_bytes} bytes (RBAC_MAX_BODY_BYTES); send a smaller body"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared == 0:
            await self.app(scope, receive, send)
        elif declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
        else:
            await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard = _Guard(receive, send, self.max_bytes)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            # The app may let `BodyTooLarge` through, wrap it in a group, or turn it into an error of its own.
            if not guard.exceeded or guard.started:
                raise
        if guard.exceeded and not guard.started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps(refusal_body(scope, self.message, "BAD_REQUEST"), separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            # The rest of the body is not wanted: the server closes rather than reading it to the end.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _Guard:
    """The counting `receive` and the `send` that holds back the app's answer once the limit is passed."""

    __slots__ = ("_left", "_receive", "_send", "exceeded", "started")

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive = receive
        self._send = send
        self._left = max_bytes
        self.exceeded = False
        self.started = False

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self._left -= len(message.get("body", b""))
            if self._left < 0:
                self.exceeded = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _declared_length(scope: Scope) -> int | None:
    """The body length the headers declare: 0 when there is no body, None when only counting can tell
    (chunked, HTTP/2, a repeated or malformed `Content-Length`)."""
    length: bytes | None = None
    for name, value in scope["headers"]:
        if name in _FRAMING:  # one set look-up per header: most requests have neither
            if name == b"transfer-encoding" or length is not None:
                return None
            length = value
    if length is None:
        # HTTP/1.x: no length and no transfer coding means no body (RFC 9112 §6.3).
        return 0 if scope.get("http_version", "1.1") in _HTTP1 else None
    if not length.isdigit():
        return None
    return sys.maxsize if len(length) > _MAX_LENGTH_DIGITS else int(length)
