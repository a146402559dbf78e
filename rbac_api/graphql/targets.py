"""GraphQL fields as policy `Target`s: each field's permission classes, read as checks."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from rbac_api.graphql.guards import field_guards
from rbac_api.policy.model import Location
from rbac_api.policy.targets import Check, CheckKind, Target, code_location


class FieldPermission(Protocol):
    """What the walk reads from a permission (an `RbacPermission`, or anything shaped like one)."""

    @property
    def required_scopes(self) -> frozenset[str]: ...
    @property
    def is_public(self) -> bool: ...
    def describe(self) -> str: ...


def schema_targets(schema: strawberry.Schema) -> list[Target]:
    """Every field of `schema`; fields of the root types must be guarded or public on purpose.

    Worked out once per schema and working directory (the code locations are relative to it): apps of
    one process share the service's schema, and the walk was a tenth of what building an app cost.
    """
    directory = os.getcwd()
    found = _walked.get(schema)
    if found is None or found[0] != directory:
        found = (directory, _walk(schema))
        _walked[schema] = found
    return list(found[1])


#: A schema is not changed once built, so its fields' targets are not either.
_walked: weakref.WeakKeyDictionary[strawberry.Schema, tuple[str, list[Target]]] = weakref.WeakKeyDictionary()


def _walk(schema: strawberry.Schema) -> list[Target]:
    roots = _root_types(schema)
    locations = dict(_locations(schema))
    resources = dict(_type_resources(schema))
    return field_targets(field_guards(schema), roots=roots, locations=locations, resources=resources)


def field_targets(
    guards: Mapping[str, Sequence[FieldPermission]],
    *,
    roots: frozenset[str] = frozenset({"Query", "Mutation", "Subscription"}),
    locations: Mapping[str, Location] | None = None,
    resources: Mapping[str, str] | None = None,
) -> list[Target]:
    """One target per "Type.field"; all of a field's permissions apply, as Strawberry runs them.

    A field of a non-root type with no permission of its own is reachable only through the field that
    returns its object, so it counts as guarded by that one (`via_parent`). `resources` maps a type's name
    to the policy resource type its objects say they are (`rbac_resource`): what a permission deciding on
    the object without naming a resource (`HasScopesOn("documents:write")`) decides on, as it does at run
    time.
    """
    targets = []
    for name, permissions in guards.items():
        resource = (resources or {}).get(name.partition(".")[0], "")
        checks = tuple(_check(p, resource) for p in permissions if not p.is_public)
        public = "; ".join(p.describe() for p in permissions) if permissions and not checks else None
        nested = not permissions and name.partition(".")[0] not in roots
        location = (locations or {}).get(name)
        targets.append(Target("field", name, checks, public, location, via_parent=nested))
    return targets


def _check(permission: FieldPermission, type_resource: str = "") -> Check:
    kind: CheckKind | None = getattr(permission, "check_kind", None)
    if kind == "any_role":
        return Check(kind, frozenset(getattr(permission, "roles", ())))
    scopes = permission.required_scopes
    resource = getattr(permission, "resource", "") or (type_resource if kind == "object_scopes" else "")
    return Check(kind or ("scopes" if scopes else "token"), scopes, resource)


def _root_types(schema: strawberry.Schema) -> frozenset[str]:
    core = schema._schema
    return frozenset(t.name for t in (core.query_type, core.mutation_type, core.subscription_type) if t)


def _type_resources(schema: strawberry.Schema) -> Iterator[tuple[str, str]]:
    """Each object type whose class names its policy resource type (`rbac_resource`), with that name."""
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition: Any = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        resource = getattr(getattr(definition, "origin", None), "rbac_resource", None)
        if isinstance(resource, str) and resource:
            yield type_name, resource


def _locations(schema: strawberry.Schema) -> Iterator[tuple[str, Location]]:
    """Each field's resolver, or for a plain attribute field, the class declaring it."""
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, graphql_field in graphql_type.fields.items():
            field: Any = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            resolver = field.base_resolver.wrapped_func if field.base_resolver else None
            location = code_location(resolver) if resolver else code_location(field.origin)
            if location is not None:
                yield f"{type_name}.{name}", location
