"""Where a route's or field's code is defined: the line `inspect.getsourcelines` gives, found cheaply."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from rbac_api.app import assemble_app
from rbac_api.graphql.schema import build_schema
from rbac_api.policy.definitions import definition
from rbac_api.rest.targets import served_routes


def _decorated(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        return function(*args)

    return wrapper


@_decorated
@_decorated
def decorated_function() -> None:
    """Its line is that of its first decorator."""


@strawberry.type
class DecoratedClass:
    name: str


def _local_class() -> type:
    class Local:
        class Inner:
            pass

    return Local.Inner


@dataclass
class Generated:
    value: int


def _inspected(thing: Any) -> tuple[str, int] | None:
    try:
        unwrapped = inspect.unwrap(thing) if callable(thing) else thing
        return inspect.getsourcefile(unwrapped) or "", inspect.getsourcelines(unwrapped)[1]
    except (TypeError, OSError):
        return None


@pytest.mark.parametrize(
    "thing",
    [decorated_function, DecoratedClass, _local_class(), Generated, Generated.__init__, len, Path.exists],
    ids=[
        "decorated function",
        "decorated class",
        "nested local class",
        "dataclass",
        "generated",
        "builtin",
        "stdlib",
    ],
)
def test_each_kind_of_definition_is_found_where_inspect_finds_it(thing: Any) -> None:
    assert definition(thing) == _inspected(thing)


def test_code_without_a_source_file_has_no_definition() -> None:
    assert definition(Generated.__init__) is None
    assert definition(len) is None


def test_every_route_and_field_of_the_service_is_found_where_inspect_finds_it() -> None:
    app = assemble_app()
    endpoints = [view.endpoint for _, view in served_routes(app) if getattr(view, "endpoint", None)]
    fields = [
        (field.base_resolver.wrapped_func if field.base_resolver else field.origin)
        for graphql_type in build_schema()._schema.type_map.values()
        for graphql_field in getattr(graphql_type, "fields", {}).values()
        if isinstance(
            field := (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF),
            StrawberryField,
        )
    ]
    assert len(endpoints) > 40
    assert len(fields) > 50
    for thing in endpoints + fields:
        assert definition(thing) == _inspected(thing), thing
