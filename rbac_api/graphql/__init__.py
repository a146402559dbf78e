"""GraphQL: Strawberry permission classes that check through the policy engine, and the service's schema.

For an application's own schema::

    from rbac_api.graphql import HasScopes, RbacSchema

    @strawberry.type
    class Query:
        @strawberry.field(permission_classes=[HasScopes("reports:read")])
        def reports(self) -> list[str]: ...

    app = create_app(Settings(), graphql_schema=RbacSchema(query=Query))
"""

from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.guards import RbacSchema, field_guards
from rbac_api.graphql.permissions import (
    AllowAny,
    HasAnyScope,
    HasRole,
    HasScopes,
    HasScopesOn,
    IsAuthenticated,
    IsMemberOr,
    IsSelfOr,
    RbacPermission,
)

__all__ = [
    "AllowAny",
    "GraphQLContext",
    "HasAnyScope",
    "HasRole",
    "HasScopes",
    "HasScopesOn",
    "IsAuthenticated",
    "IsMemberOr",
    "IsSelfOr",
    "RbacPermission",
    "RbacSchema",
    "field_guards",
]
