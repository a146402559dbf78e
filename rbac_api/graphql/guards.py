"""Permission checks moved from Strawberry's per-call extension into resolvers wrapped once, at build time.

Any field extension turns off Strawberry's fast path for plain attribute fields (about 1.9x the time on a
list of objects). Here the permission extension is taken off, the field keeps its fast resolver, and a
thin wrapper asks the policy engine once per request and field (once per object for `IsSelfOr`),
caching the verdict in the request's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType
from strawberry.permission import PermissionExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from rbac_api.core.audit import log_denial
from rbac_api.core.errors import PermissionDenied, RbacError
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.permissions import RbacPermission

GUARD_ATTRIBUTE = "__rbac_guard__"
_UNDECIDED = object()


class Guard:
    """The permissions of one field, and the decision logic the wrapper calls."""

    __slots__ = ("dynamic", "permissions", "static", "target")

    def __init__(self, target: str, permissions: tuple[RbacPermission, ...]) -> None:
        self.target = target
        self.permissions = permissions
        self.static = tuple(p for p in permissions if not p.depends_on_source and not p.is_public)
        self.dynamic = tuple(p for p in permissions if p.depends_on_source)

    def decide_static(self, context: GraphQLContext) -> RbacError | None:
        """Decide the source-independent permissions and remember the verdict for this request."""
        verdict = next((e for p in self.static if (e := p.decide(context, None)) is not None), None)
        context.verdicts[self] = verdict
        if verdict is not None:
            self._log(context, verdict)
        return verdict

    def decide_dynamic(self, context: GraphQLContext, source: Any) -> RbacError | None:
        verdict = next((e for p in self.dynamic if (e := p.decide(context, source)) is not None), None)
        if verdict is not None and (self, "logged") not in context.verdicts:
            context.verdicts[(self, "logged")] = True
            self._log(context, verdict)
        return verdict

    def _log(self, context: GraphQLContext, error: RbacError) -> None:
        if isinstance(error, PermissionDenied):
            log_denial(
                context.principal,
                required=error.required,
                missing=error.missing,
                target=self.target,
                policy_version=context.rbac.engine.policy.version,
                ring=context.rbac.denials,
            )


def rbac_permissions(field: StrawberryField) -> tuple[PermissionExtension | None, tuple[RbacPermission, ...]]:
    """The field's permission extension when every permission in it is ours, and those permissions."""
    for extension in field.extensions:
        if not isinstance(extension, PermissionExtension) or not extension.permissions:
            continue
        if all(isinstance(p, RbacPermission) for p in extension.permissions):
            return extension, tuple(p for p in extension.permissions if isinstance(p, RbacPermission))
    return None, ()


def install_guards(schema: strawberry.Schema) -> None:
    """Replace each guarded field's resolver with a guarded fast one. Called once by `RbacSchema`."""
    for type_name, name, graphql_field, field in _fields(schema):
        extension, permissions = rbac_permissions(field)
        if extension is None or extension.fail_silently:
            continue
        guard = Guard(f"{type_name}.{name}", permissions)
        if not guard.static and not guard.dynamic:  # public on purpose: nothing to check
            graphql_field.resolve = _rebuild(schema.schema_converter, field, extension)
            continue
        graphql_field.resolve = _wrap(guard, field, _rebuild(schema.schema_converter, field, extension))


def field_guards(schema: strawberry.Schema) -> dict[str, tuple[RbacPermission, ...]]:
    """Every field of the schema as "Type.field", with the permissions guarding it (empty: unguarded)."""
    return {
        f"{type_name}.{name}": rbac_permissions(field)[1] for type_name, name, _, field in _fields(schema)
    }


def _fields(schema: strawberry.Schema) -> Iterator[tuple[str, str, GraphQLField, StrawberryField]]:
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, graphql_field in graphql_type.fields.items():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(field, StrawberryField):
                yield type_name, name, graphql_field, field


def _rebuild(
    converter: GraphQLCoreConverter, field: StrawberryField, extension: PermissionExtension
) -> Callable[..., Any] | None:
    """The resolver Strawberry builds for `field` without our permission extension (None: plain attribute).

    The extension is removed only while the resolver is built: types are shared, and another schema built
    from them (a plain `strawberry.Schema`, say) must keep its permission checks.
    """
    remaining = [e for e in field.extensions if e is not extension]
    if not field.base_resolver and not remaining:
        return None
    original = field.extensions
    field.extensions = remaining
    try:
        resolver: Callable[..., Any] = converter.from_resolver(field)
    finally:
        field.extensions = original
    return resolver


def _wrap(guard: Guard, field: StrawberryField, inner: Callable[..., Any] | None) -> Callable[..., Any]:
    attribute = field.python_name
    get = field.default_resolver

    def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
        context: GraphQLContext = info.context
        verdict = context.verdicts.get(guard, _UNDECIDED)
        if verdict is _UNDECIDED:
            verdict = guard.decide_static(context)
        if verdict is None and guard.dynamic:
            verdict = guard.decide_dynamic(context, source)
        if verdict is not None:
            raise verdict.with_traceback(None)  # the verdict is shared by every object of this request
        if inner is None:
            return get(source, attribute)
        return inner(source, info, **kwargs)

    setattr(guarded, GUARD_ATTRIBUTE, guard)
    return guarded


class RbacSchema(strawberry.Schema):
    """A `strawberry.Schema` whose fields guarded by our permission classes take the cheap path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_guards(self)
