"""`/graphql`: Strawberry's FastAPI router, executing through our cached executor."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from rbac_api.graphql.context import GraphQLContext, graphql_context
from rbac_api.graphql.execution import Executor
from rbac_api.transport.refusals import TOO_DEEP_MESSAGE


class RbacGraphQLRouter(GraphQLRouter[GraphQLContext, None]):
    """JSON POST (and GET for queries) only: form and `text/plain` bodies, multipart uploads, batches and
    WebSocket protocols are all refused; the routes stay out of the OpenAPI document."""

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

    def decode_json(self, data: str | bytes) -> object:
        """A body (or GET `variables`) nested past the recursion limit is a 400 like any JSON that does not
        parse; Strawberry catches only syntax errors, so it was a 500 with a traceback."""
        try:
            return super().decode_json(data)
        except RecursionError:
            raise HTTPException(400, TOO_DEEP_MESSAGE) from None

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: GraphQLContext,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        allowed = OperationType.from_http(request_adapter.method)
        if not self.allow_queries_via_get and request_adapter.method == "GET":
            allowed -= {OperationType.QUERY}
        if not request_data.query:
            raise HTTPException(400, "No GraphQL query found in the request")
        try:
            result = await self.executor.execute(
                query=request_data.query,
                variables=request_data.variables,
                operation_name=request_data.operation_name,
                context=context,
                allowed=allowed,
            )
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from None
        return ExecutionResult(data=result.data, errors=result.errors)
