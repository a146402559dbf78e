"""Credentials in URLs kept out of the access log.

The service reads no credential from a query string, yet clients do send `?access_token=...`, and uvicorn's
access log writes every query string as it came: a token in a URL would live as long as the log files.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

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
