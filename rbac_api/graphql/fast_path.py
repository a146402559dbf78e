"""`POST /graphql` with one JSON operation, the request nearly every client sends, without the layers
around it that add nothing to it.

Through Strawberry's FastAPI route, such a request resolves three FastAPI dependencies (context, root value,
response), goes through Strawberry's request adapters and view, and is encoded by it: measured in-process,
more than the operation itself costs (docs/benchmarks.md, row 11). Here the same operation runs through the
same `RbacGraphQLRouter.run_operation`, with the same context and the same result encoding. Anything else
(another content type, a body that is not a JSON object of `query`, `variables` and `operationName`, a
batch) is handed to Strawberry's route as it came, the body replayed: one answer per request, whichever way
it takes (tests/graphql/test_fast_path.py holds the two equal).
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http import process_result

from rbac_api.graphql.context import graphql_context
from rbac_api.graphql.router import JSON, RbacGraphQLRouter, media_type

#: The members a single operation may have; any other sends the request down Strawberry's path.
_MEMBERS = frozenset({"query", "variables", "operationName"})


class JsonPostFastPath:
    """The `handle` of the `POST /graphql` route, in front of the one FastAPI gave it."""

    def __init__(self, router: RbacGraphQLRouter, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST" or _overridden(scope) or not _sends_json(scope):
            await self.fallback(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        replay = _replay(body, receive)
        operation = _one_operation(body) if complete else None
        if operation is None:
            await self.fallback(scope, replay, send)
            return
        context = await graphql_context(Request(scope, replay))
        response: Response
        try:
            result = await self.router.run_operation(
                "POST",
                query=operation.get("query"),
                variables=operation.get("variables"),
                operation_name=operation.get("operationName"),
                context=context,
            )
        except HTTPException as exc:
            response = self.router.refusal(exc)
        else:
            response = Response(self.router.encode_json(process_result(result)), media_type=JSON)
        await response(scope, replay, send)


def _overridden(scope: Scope) -> bool:
    """Dependency overrides (an application's tests replacing the context, say) are FastAPI's to apply."""
    app = scope.get("app")
    return bool(getattr(app, "dependency_overrides", None))


def _sends_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return media_type(value.decode("latin-1")) == JSON
    return False


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (the body-limit middleware bounds it), and False if the client went away first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` as if nothing had been read: the body once, then the client's own messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _one_operation(body: bytes) -> dict[str, Any] | None:
    """The body as one operation of the plainest form, or None for Strawberry's path to judge."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if type(data) is not dict or not data.keys() <= _MEMBERS:
        return None
    query, variables, name = data.get("query"), data.get("variables"), data.get("operationName")
    if type(query) is not str or not query:
        return None
    if variables is not None and type(variables) is not dict:
        return None
    if name is not None and type(name) is not str:
        return None
    return data


def install_fast_path(router: RbacGraphQLRouter) -> None:
    """Put the fast path in front of the handler of Strawberry's `POST` route (before the router is
    included, so that the route served is this one)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.methods == {"POST"}:
            # `handle`, not the route's `app`: FastAPI serves an included route through an app of the
            # include's own, and every router (ours, FastAPI's) reaches the route through `handle`.
            setattr(route, "handle", JsonPostFastPath(router, route.handle))  # noqa: B010
            return
    raise RuntimeError("Strawberry's GraphQL router has no POST route to put the fast path in front of")
