"""Parse and validate each distinct document once, then execute it directly with graphql-core.

Strawberry's `Schema.execute` runs its extension machinery on every request; here parsing, validation
and our abuse limits run once per document (bounded cache), and every request still gets the operation
type check, the guarded resolvers and error masking.
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
    execute,
    parse,
    specified_rules,
    validate,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from rbac_api.errors import PermissionDenied, RbacError
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.limits import alias_limit, depth_limit

log = logging.getLogger("rbac_api.graphql")

MASKED_MESSAGE = "Internal server error"


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2000
    introspection: bool = True
    suggestions: bool = True


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document: reusable by every request that sends the same text."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    operation_types: Mapping[str | None, OperationType]


class Executor:
    """Runs operations against one schema with fixed limits."""

    def __init__(self, schema: strawberry.Schema, limits: Limits, *, cache_size: int = 1000) -> None:
        self._schema = schema
        self._graphql_schema = schema._schema
        self._limits = limits
        self._cache_size = cache_size
        self._cache: dict[str, Prepared] = {}
        rules = [*specified_rules, depth_limit(limits.max_depth), alias_limit(limits.max_aliases)]
        if not limits.introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self._rules = tuple(rules)
        self._executor_class = schema.execution_context_class

    @property
    def schema(self) -> strawberry.Schema:
        return self._schema

    def prepare(self, query: str) -> Prepared:
        prepared = self._cache.get(query)
        if prepared is None:
            prepared = self._prepare(query)
            if len(self._cache) >= self._cache_size:
                del self._cache[next(iter(self._cache))]
            self._cache[query] = prepared
        return prepared

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLSyntaxError as error:
            return Prepared(None, (error,), {})
        except RecursionError:
            return Prepared(None, (GraphQLError("Query is nested too deeply to parse"),), {})
        hide = not self._limits.suggestions
        errors = validate(self._graphql_schema, document, self._rules, hide_suggestions=hide)
        types = {
            (d.name.value if d.name else None): OperationType(d.operation.value)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        }
        return Prepared(document, tuple(errors), types)

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
        if prepared.errors or prepared.document is None:
            return ExecutionResult(None, [present(error) for error in prepared.errors])
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
        field = getattr(original, "field", None)
        if field:
            extensions["field"] = field
        return _expected(error, original.message, extensions)
    if original is None:
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
        log.info(
            json.dumps(
                {"event": "graphql_error", "code": extensions["code"], "path": error.path, "message": message}
            )
        )
    return GraphQLError(message, error.nodes, error.source, error.positions, error.path, None, extensions)
