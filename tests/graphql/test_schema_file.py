"""schema.graphql is the exported SDL of the code."""

from __future__ import annotations

from rbac_api.graphql.schema import build_schema, export_sdl
from tests.conftest import REPO


def test_schema_graphql_matches_the_code() -> None:
    committed = (REPO / "schema.graphql").read_text()
    assert committed == export_sdl(build_schema()), (
        "schema.graphql is out of date: run `rbac-api schema export` (or `make schema`) and commit it"
    )


def test_the_schema_has_no_password_hash() -> None:
    assert "hash" not in export_sdl(build_schema()).lower()
