"""The methods a path answers, for the `Allow` header of every 405 (RFC 9110 §15.5.6)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import compile_path

from rbac_api.rest.targets import served_routes


class AllowedMethods:
    """Every method each path template of an app answers, put together from its routes once.

    Starlette answers a 405 from the first route whose path matches, and FastAPI makes one route per
    decorator: `OPTIONS /users/alice` said `Allow: GET` although PATCH and DELETE are served there too.
    The resource a path names is its first template in routing order, as in the OpenAPI document:
    `/users/me` answers GET and PATCH, although a DELETE there reaches `/users/{username}` (and finds no
    account, "me" being reserved).
    """

    __slots__ = ("_table",)

    def __init__(self, app: FastAPI) -> None:
        by_path: dict[str, set[str]] = {}
        for _route, view in served_routes(app):
            path, methods = getattr(view, "path", None), getattr(view, "methods", None)
            if isinstance(path, str) and methods:
                by_path.setdefault(path, set()).update(methods)
        self._table = [(_compile(path), frozenset(methods)) for path, methods in by_path.items()]

    def allow(self, path: str) -> str:
        """The `Allow` value for `path` (a route path, without `root_path`): sorted, comma-separated.

        A scan of the path templates, done only when a 405 is answered: a request never pays for it.
        """
        for pattern, methods in self._table:
            if pattern.match(path):
                return ", ".join(sorted(methods))
        return ""


def allowed_methods(app: FastAPI) -> AllowedMethods:
    """The app's table, built on its first 405, when every route is in place."""
    table: AllowedMethods | None = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = app.state.allowed_methods = AllowedMethods(app)
    return table


def _compile(path: str) -> re.Pattern[str]:
    pattern, _format, _convertors = compile_path(path)
    return pattern
