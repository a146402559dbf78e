"""`/graphql`: Strawberry's FastAPI router, executing through our cached executor."""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from rbac_api.graphql.context import GraphQLContext, graphql_context
from rbac_api.graphql.execution import Executor
from rbac_api.pages.graphiql import graphiql_html
from rbac_api.transport.refusals import TOO_DEEP_MESSAGE, graphql_error_body

log = logging.getLogger("rbac_api.graphql")

JSON = "application/json"
_UNSUPPORTED = 'Send the operation as application/json ({{"query": ..., "variables": {{...}}}}), not {}'


class RbacGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    """JSON POST (and GET for queries) only: form and `text/plain` bodies, multipart uploads, batches and
    WebSocket protocols are all refused; the routes stay out of the OpenAPI document.

    A request refused before execution (body, content type, HTTP method) is a 4xx whose body is still
    GraphQL-shaped, with `extensions.code` `BAD_REQUEST`, so clients read every error the same way: 405
    (with `Allow: POST`) for an operation GET may not carry, 415 for a body that is not JSON, 400 for a
    batch or a malformed request (GraphQL over HTTP, §7).
    """

    def __init__(self, executor: Executor, *, allow_get: bool, ide: bool) -> None:
        super().__init__(
            executor.schema,
            graphql_ide="graphiql" if ide else None,
            allow_queries_via_get=allow_get,
            context_getter=graphql_context,
            subscription_protocols=(),
            multipart_uploads_enabled=False,
            include_in_schema=False,
        )
        self.executor = executor

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL loading its libraries from this service, with the Authorization header to fill in."""
        return HTMLResponse(graphiql_html(request.scope.get("root_path", "").rstrip("/")))

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            return self.refusal(exc)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Strawberry refuses a body that is not JSON with a 400; it is a 415 (Unsupported Media Type)."""
        if request.method != "GET":
            content_type = media_type(request.content_type or "")
            if content_type != JSON:
                raise HTTPException(415, _UNSUPPORTED.format(content_type or "a body without a type"))
        return await super().parse_http_body(request)

    def decode_json(self, data: str | bytes) -> object:
        """The body (or a GET `variables`): one JSON object. Nesting deep enough to exhaust the stack while
        decoding is a client error, not a crash."""
        try:
            decoded = json.loads(data)
        except RecursionError:
            raise HTTPException(400, TOO_DEEP_MESSAGE) from None
        if not isinstance(decoded, dict):
            raise HTTPException(
                400, 'Send one operation as a JSON object: {"query": ..., "variables": {...}}'
            )
        return decoded

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: GraphQLContext,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        return await self.run_operation(
            request_adapter.method,
            query=request_data.query,
            variables=request_data.variables,
            operation_name=request_data.operation_name,
            context=context,
        )

    async def run_operation(
        self,
        method: Literal["GET", "POST"],
        *,
        query: object,
        variables: dict[str, Any] | None,
        operation_name: object,
        context: GraphQLContext,
    ) -> ExecutionResult:
        """One operation sent with `method`; `HTTPException` for what HTTP refuses (no query, a mutation
        over GET). Both ways into `/graphql` run it: Strawberry's view and the JSON fast path."""
        allowed = OperationType.from_http(method)
        if not self.allow_queries_via_get and method == "GET":
            allowed -= {OperationType.QUERY}
        if not query or not isinstance(query, str):
            raise HTTPException(400, "No GraphQL query found in the request")
        if not isinstance(operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null")
        try:
            result = await self.executor.execute(
                query=query,
                variables=variables,
                operation_name=operation_name,
                context=context,
                allowed=allowed,
            )
        except InvalidOperationTypeError as exc:
            status = 405 if method == "GET" else 400
            reason = exc.as_http_error_reason(method)
            raise HTTPException(status, f"{reason}; send it with POST" if status == 405 else reason) from None
        return ExecutionResult(data=result.data, errors=result.errors)

    @staticmethod
    def refusal(exc: HTTPException) -> JSONResponse:
        """The answer to a request refused before execution."""
        # Only POST carries every operation: a 405 here is an operation sent over GET.
        headers = {"Allow": "POST"} if exc.status_code == 405 else None
        return transport_refusal(exc.status_code, exc.reason, headers)


def media_type(content_type: str) -> str:
    """`application/json` of `Application/JSON; charset=utf-8`: what decides which body `/graphql` takes."""
    return content_type.split(";", 1)[0].strip().lower()


def transport_refusal(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A request refused before any GraphQL ran, shaped like a GraphQL error; logged as one line."""
    code = "NOT_FOUND" if status == 404 else "BAD_REQUEST"
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps({"event": "graphql_error", "code": code, "status": status, "message": reason}))
    return JSONResponse(graphql_error_body(reason, code), status_code=status, headers=headers)
