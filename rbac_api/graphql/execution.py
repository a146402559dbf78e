"""Parse and validate each distinct document once, then execute it directly with graphql-core.

Strawberry's `Schema.execute` runs its extension machinery on every request; here the length check is
all a request for a known document costs before execution: parsing, our abuse limits and validation run
once per distinct valid document (the cache is bounded by entries and bytes), and every request still gets
the operation type check, the guarded resolvers and error masking.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, TypeGuard, cast

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSyntaxError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    VariableDefinitionNode,
    execute,
    parse,
    specified_rules,
    validate,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from rbac_api.core.errors import PermissionDenied, RateLimited, RbacError, Unavailable
from rbac_api.core.text import NUL_MESSAGE, nul_path
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.document_cache import DocumentCache, footprint
from rbac_api.graphql.limits import Limits, cost_refusals, length_refusal, nul_literals
from rbac_api.graphql.source import IndexedSource

log = logging.getLogger("rbac_api.graphql")

MASKED_MESSAGE = "Internal server error"
#: Error messages quote what the client sent; the log keeps one bounded line of it.
MAX_LOGGED_CHARS = 300


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document: reusable by every request that sends the same text."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    operation_types: Mapping[str | None, OperationType]


class Executor:
    """Runs operations against one schema with fixed limits.

    Valid documents are cached by their text, the oldest evicted first, within `cache_size` entries and
    about `cache_bytes` of memory (text and parsed form); documents that fail are never cached.
    """

    def __init__(
        self,
        schema: strawberry.Schema,
        limits: Limits,
        *,
        cache_size: int = 1000,
        cache_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self._schema = schema
        self._graphql_schema = schema._schema
        self._limits = limits
        self._max_query_length = limits.max_query_length
        self._cache: DocumentCache[Prepared] = DocumentCache(cache_size, cache_bytes)
        rules = list(specified_rules)
        if not limits.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self._rules = tuple(rules)
        self._executor_class = schema.execution_context_class

    @property
    def schema(self) -> strawberry.Schema:
        return self._schema

    @property
    def cache(self) -> DocumentCache[Prepared]:
        return self._cache

    def prepare(self, query: str) -> Prepared:
        if len(query) > self._max_query_length:  # before hashing the text, let alone parsing it
            return Prepared(None, (length_refusal(query, self._limits),), {})
        prepared = self._cache.get(query)
        if prepared is None:
            prepared = self._prepare(query)
            if prepared.document is not None:
                self._cache.put(query, prepared, footprint(query, prepared.document))
        return prepared

    def _prepare(self, query: str) -> Prepared:
        """Parse, measure, then validate: graphql-core's rules run only on a document within the limits."""
        try:
            document = parse(IndexedSource(query), max_tokens=self._limits.max_tokens)
        except GraphQLSyntaxError as error:
            return Prepared(None, (error,), {})
        errors = cost_refusals(document, self._graphql_schema, self._limits)
        if not errors and "\\u" in query:  # the only way a NUL gets into a GraphQL string literal
            errors = nul_literals(document)
        if not errors:
            hide = not self._limits.suggestions
            errors = validate(self._graphql_schema, document, self._rules, hide_suggestions=hide)
        if errors:
            return Prepared(None, tuple(errors), {})
        types = {
            (d.name.value if d.name else None): OperationType(d.operation.value)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        }
        return Prepared(document, (), types)

    async def execute(
        self,
        *,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: GraphQLContext,
        allowed: Collection[OperationType],
    ) -> ExecutionResult:
        """Run one operation; raises `InvalidOperationTypeError` (a 400) for, e.g., a mutation over GET."""
        if context.auth_error is not None:
            return ExecutionResult(
                None, [present(GraphQLError(context.auth_error.message, original_error=context.auth_error))]
            )
        prepared = self.prepare(query)
        if prepared.document is None:
            return ExecutionResult(None, [present(error) for error in prepared.errors])
        if variables and (where := nul_path(variables)) is not None:
            name = ".".join(str(part) for part in where)
            return ExecutionResult(None, [present(GraphQLError(f"Variable {name} {NUL_MESSAGE}"))])
        operation_type = _operation_type(prepared, operation_name)
        if operation_type is not None and operation_type not in allowed:
            raise InvalidOperationTypeError(operation_type)
        result = execute(
            self._graphql_schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self._executor_class,
            is_awaitable=_is_awaitable,
            hide_suggestions=not self._limits.suggestions,
            operation_extensions=None,
        )
        if isawaitable(result):
            result = await result
        if result.errors:
            result = ExecutionResult(result.data, [present(error) for error in result.errors])
        return result


# Strawberry's faster check, typed as graphql-core wants it.
_is_awaitable = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)


def _operation_type(prepared: Prepared, name: str | None) -> OperationType | None:
    """The type of the operation to run; None when ambiguous (graphql-core then reports the error)."""
    if name is None:
        return next(iter(prepared.operation_types.values())) if len(prepared.operation_types) == 1 else None
    return prepared.operation_types.get(name)


def present(error: GraphQLError) -> GraphQLError:
    """Give every error a stable `extensions.code`, log it once, and mask what was not meant for clients."""
    original = error.original_error
    if isinstance(original, RbacError):
        extensions: dict[str, Any] = {"code": original.code}
        if isinstance(original, PermissionDenied) and original.missing:
            extensions["missingScopes"] = sorted(original.missing)
        if isinstance(original, RateLimited | Unavailable):
            extensions["retryAfter"] = original.retry_after
        field = getattr(original, "field", None)
        if field:
            extensions["field"] = field
        return _expected(error, original.message, extensions)
    if original is None or (isinstance(original, GraphQLError) and error.path is None):
        # graphql-core's verdict on the request itself: its syntax, validity, limits, variables (a coercion
        # error wraps the scalar's own GraphQLError) or operation name. A client mistake, not ours.
        return _expected(
            error, error.message, {"code": (error.extensions or {}).get("code", "BAD_USER_INPUT")}
        )
    error_id = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error in GraphQL resolver (errorId=%s, path=%s)", error_id, error.path, exc_info=original
    )
    return GraphQLError(
        MASKED_MESSAGE,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": "INTERNAL", "errorId": error_id},
    )


def _expected(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    if log.isEnabledFor(logging.INFO):
        line = {"event": "graphql_error", "code": extensions["code"], "path": error.path}
        log.info(json.dumps(line | _what_went_wrong(error, message)))
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path, None, extensions)


def _what_went_wrong(error: GraphQLError, message: str) -> dict[str, str]:
    """For the log: never a variable's value (graphql-core's message quotes it, and it may be a password),
    and never more than a line of what a client sent."""
    node = error.nodes[0] if error.nodes else None
    if isinstance(node, VariableDefinitionNode):
        return {"variable": node.variable.name.value[:MAX_LOGGED_CHARS]}
    return {"message": message[:MAX_LOGGED_CHARS]}
