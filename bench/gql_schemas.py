"""Row 5's three schemas: 1,000 people x 5 fields, each field guarded (ours), guarded the stock Strawberry
way, or not guarded at all. Types are built by a function so each schema gets its own classes."""

# No `from __future__ import annotations`: Strawberry must resolve the classes defined inside `_types`.
from datetime import UTC, datetime
from typing import Any

import strawberry

from rbac_api.graphql import AllowAny, HasScopes, RbacSchema

PEOPLE = 1_000
QUERY = "{ people { username email fullName disabled createdAt } }"
SCOPE = "users:read"


def _types(field_permissions: list[Any], root_permissions: list[Any]) -> type:
    @strawberry.type(name="Person")
    class Person:
        username: str = strawberry.field(permission_classes=field_permissions)
        email: str = strawberry.field(permission_classes=field_permissions)
        full_name: str = strawberry.field(permission_classes=field_permissions)
        disabled: bool = strawberry.field(permission_classes=field_permissions)
        created_at: datetime = strawberry.field(permission_classes=field_permissions)

    created = datetime(2026, 1, 1, tzinfo=UTC)
    people = [
        Person(
            username=f"user{n}",
            email=f"user{n}@example.org",
            full_name=f"User Number {n}",
            disabled=n % 7 == 0,
            created_at=created,
        )
        for n in range(PEOPLE)
    ]

    @strawberry.type(name="Query")
    class Query:
        @strawberry.field(permission_classes=root_permissions)
        def people(self) -> list[Person]:
            return people

    return Query


def guarded() -> strawberry.Schema:
    """Ours: `RbacSchema` takes the permission extension off each field and wraps its resolver once."""
    return RbacSchema(query=_types([HasScopes(SCOPE)], [HasScopes(SCOPE)]))


def stock() -> strawberry.Schema:
    """The same permission classes under a plain `strawberry.Schema`: Strawberry's permission extension
    runs on every field of every object."""
    return strawberry.Schema(query=_types([HasScopes(SCOPE)], [HasScopes(SCOPE)]))


def unguarded() -> strawberry.Schema:
    """No field checks at all (the root field is marked public, which costs nothing under `RbacSchema`)."""
    return RbacSchema(query=_types([], [AllowAny]))
