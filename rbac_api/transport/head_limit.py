"""Request heads (request line and header fields) bounded in size before the server buffers them.

uvicorn's httptools protocol sets no limit on a request's head: the parser keeps every byte of a header
until its end arrives. One connection sending a 200 MB header grew a server by 350 MB and kept it busy for
a minute, before the application saw a byte and could refuse it. `RBAC_MAX_BODY_BYTES` bounds bodies; this
protocol bounds heads, as `rbac-api serve` runs it.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from rbac_api.settings import DEFAULT_MAX_HEADER_BYTES

_END_OF_HEAD = b"\r\n\r\n"


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 to a request whose head is over `max_header_bytes`.

    A head is counted as its bytes arrive, from its first byte to the blank line that ends it, and refused
    as soon as it is over the limit: the parser never holds more than the limit plus one read. Empty lines
    before a request line (which parsers skip) count too, and cannot pass for the blank line that ends a
    head. The body is not counted here (`RBAC_MAX_BODY_BYTES` does). A request pipelined behind another one
    in the same read is counted from the next read on, so it can pass the limit by at most one read.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._max_head = max_header_bytes
        #: Bytes of the current request's head so far; None while its body is read.
        self._head: int | None = 0
        #: Whether the head has begun: empty lines before a request line are skipped by the parser.
        self._started = False
        #: The last bytes of the head so far: the blank line that ends it may arrive split across reads.
        self._tail = b""

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # refused: nothing more is read
            return
        if self._head is not None and not self._count_head(data):
            self._refuse()
            return
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head, self._started, self._tail = 0, False, b""  # next comes the next request's head

    def _count_head(self, data: bytes) -> bool:
        """Add `data` to the head; False when the head is now over the limit."""
        assert self._head is not None
        seen = self._tail + data
        search_from = 0
        if not self._started:
            search_from = len(seen) - len(seen.lstrip(b"\r\n"))
            self._started = search_from < len(seen)
        end = seen.find(_END_OF_HEAD, search_from)
        size = self._head + (len(data) if end < 0 else end + len(_END_OF_HEAD) - len(self._tail))
        if size > self._max_head:
            return False
        if end < 0:
            self._head, self._tail = size, seen[-3:] if self._started else b""
        else:
            self._head, self._tail = None, b""
        return True

    def _refuse(self) -> None:
        self.logger.warning("Request refused: its header fields are over %d bytes", self._max_head)
        body = json.dumps(
            {
                "detail": f"Request header fields are larger than the limit of {self._max_head} bytes "
                "(RBAC_MAX_HEADER_BYTES); send fewer or smaller headers"
            }
        ).encode()
        lines = [b"HTTP/1.1 431 Request Header Fields Too Large"]
        lines += [name + b": " + value for name, value in self.server_state.default_headers]
        lines += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        self.transport.close()


def head_limited(max_header_bytes: int) -> type[asyncio.Protocol]:
    """The protocol for `uvicorn.run(http=...)`, which calls it as it would a class. A partial of a class
    defined at module level pickles, so worker processes (`--workers N`) get the limit too."""
    return cast(
        "type[asyncio.Protocol]", partial(HeadLimitedHttpToolsProtocol, max_header_bytes=max_header_bytes)
    )
