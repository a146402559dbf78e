"""The access log: one line per request, in uvicorn's format, without the credentials sent in URLs.

The service reads no credential from a query string, yet clients do send `?access_token=...`, and an access
log writes every query string as it came: a token in a URL would live as long as the log files.

The line is the service's own (`AccessLog`), not uvicorn's: uvicorn's goes through `logging` (a record, a
filter, a formatter and a write with a flush per request: about 23 µs, a tenth of a request here), where
this one is one f-string into a buffer that is written out at most `FLUSH_SECONDS` later. uvicorn's own
access logger is switched off so that a request is logged once, however the service is started.
"""

from __future__ import annotations

import asyncio
import atexit
import http
import logging
import sys
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Query parameters whose values never reach a log line, compared without regard to letter case.
SECRET_PARAMETERS = frozenset({"access_token", "token", "refresh_token", "password", "client_secret"})
REDACTED = "[redacted]"
ACCESS_LOGGER = "uvicorn.access"


def redact_query(target: str) -> str:
    """`target` (a path with its query string) with the value of every secret parameter replaced.

    Names are compared decoded (`acc%65ss_token` is `access_token`); everything else is kept as sent.
    """
    path, mark, query = target.partition("?")
    if not mark:
        return target
    return path + "?" + "&".join(_redact_pair(pair) for pair in query.split("&"))


def _redact_pair(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if value and unquote_plus(name).lower() in SECRET_PARAMETERS:
        return name + equals + REDACTED
    return pair


class QuerySecretsFilter(logging.Filter):
    """Rewrites the arguments of uvicorn's access log records (`client - "METHOD target HTTP/v" status`):
    any text argument with a query string loses its secret values. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(arg, str) and "?" in arg for arg in args):
            record.args = tuple(redact_query(arg) if isinstance(arg, str) else arg for arg in args)
        return True


#: One instance: `Filterer.addFilter` skips one already present, so installing it again changes nothing.
QUERY_SECRETS_FILTER = QuerySecretsFilter()


def query_secrets_filter() -> QuerySecretsFilter:
    """The factory a `logging.config.dictConfig` entry names (`"()"`), giving the one shared instance."""
    return QUERY_SECRETS_FILTER


def redact_access_log() -> None:
    """Put the filter on uvicorn's access logger; idempotent. `create_app` calls it, so a service run with
    plain `uvicorn app:app` is covered as well as `rbac-api serve`."""
    logging.getLogger(ACCESS_LOGGER).addFilter(QUERY_SECRETS_FILTER)


#: Seconds a line may wait in the buffer; and lines that make the buffer write out at once.
FLUSH_SECONDS = 0.1
FLUSH_LINES = 512
_PHRASES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}


class LineWriter:
    """Lines for standard output, written in batches: at most `FLUSH_SECONDS` after the first line of a
    batch (by the running event loop), at `FLUSH_LINES`, and at exit."""

    __slots__ = ("_lines", "_scheduled")

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._scheduled = False

    def write(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= FLUSH_LINES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if self._lines:
            text, self._lines = "".join(self._lines), []
            sys.stdout.write(text)
            sys.stdout.flush()


#: One per process, as standard output is.
ACCESS_LINES = LineWriter()
atexit.register(ACCESS_LINES.flush)


def access_line(scope: Scope, status: int) -> str:
    """uvicorn's access line (`INFO:     client - "METHOD target HTTP/v" status phrase`), the values of
    secret query parameters redacted."""
    client = scope.get("client")
    target = scope["raw_path"].decode("latin-1")
    query = scope["query_string"]
    if query:
        target = redact_query(f"{target}?{query.decode('latin-1')}")
    phrase = _PHRASES.get(status) or f"{status} "
    address = f"{client[0]}:{client[1]}" if client else ""
    request = f"{scope['method']} {target} HTTP/{scope['http_version']}".replace('"', "%22")
    return f'INFO:     {address} - "{request}" {phrase}\n'


class AccessLog:
    """Pure ASGI middleware writing `access_line` once a response has been sent in full (or a 500 when the
    app raised before answering). Outermost of the service's middleware, so refusals are logged too."""

    def __init__(self, app: ASGIApp, *, lines: LineWriter = ACCESS_LINES) -> None:
        self.app = app
        self.lines = lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = [500, False]  # the status sent, and whether the line is written

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state[0] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                state[1] = True
                self.lines.write(access_line(scope, state[0]))

        try:
            await self.app(scope, receive, logged_send)
        finally:
            if not state[1]:  # the app raised, or ended without a complete response
                self.lines.write(access_line(scope, state[0]))


def take_over_access_log() -> None:
    """Silence uvicorn's access logger (the service writes its own line, or none when
    `RBAC_ACCESS_LOG=false`), and keep the redaction on it should anything enable it again."""
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.disabled = True
    redact_access_log()
