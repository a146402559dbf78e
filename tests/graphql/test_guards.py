"""Guards are installed once when the schema is built, and never silently lost."""

from __future__ import annotations

import strawberry
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from rbac_api.graphql import field_guards
from rbac_api.graphql.guards import GUARD_ATTRIBUTE, rbac_permissions
from rbac_api.graphql.schema import Mutation, Query, build_schema


def test_every_field_with_an_rbac_permission_has_a_guarded_resolver() -> None:
    schema = build_schema()
    checked = 0
    for type_name, graphql_type in schema._schema.type_map.items():
        for name, graphql_field in getattr(graphql_type, "fields", {}).items():
            field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(field, StrawberryField):
                continue
            _, permissions = rbac_permissions(field)
            if permissions and not all(p.is_public for p in permissions):
                guard = getattr(graphql_field.resolve, GUARD_ATTRIBUTE, None)
                assert guard is not None, f"{type_name}.{name} lost its guard"
                assert guard.permissions == permissions
                checked += 1
    # 15 queries, 15 mutations, User.email, User.roles, Organization.members, Organization.documents
    assert checked == 34


def test_every_service_field_is_guarded_or_public_on_purpose() -> None:
    guards = field_guards(build_schema())
    root_fields = [k for k in guards if k.split(".")[0] in ("Query", "Mutation")]
    assert root_fields
    assert [k for k in root_fields if not guards[k]] == []
    assert {k for k in root_fields if all(p.is_public for p in guards[k])} == {
        "Query.can",
        "Mutation.login",
        "Mutation.refreshToken",
        "Mutation.createUser",
    }


def test_building_a_schema_leaves_the_types_permission_checks_in_place() -> None:
    build_schema()
    build_schema()
    # A plain Strawberry schema built from the same types afterwards still checks permissions.
    plain = strawberry.Schema(query=Query, mutation=Mutation)
    result = plain.execute_sync("{ roles { name } }", context_value=None)
    assert result.errors is not None
    assert result.data is None


def test_user_email_and_roles_are_guarded_by_is_self_or() -> None:
    guards = field_guards(build_schema())
    assert [p.describe() for p in guards["User.email"]] == ["IsSelfOr(users:read)"]
    assert [p.describe() for p in guards["User.roles"]] == ["IsSelfOr(roles:read)"]
    assert guards["User.username"] == ()
