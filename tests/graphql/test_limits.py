"""Abuse limits, introspection and suggestions: applied on the cached path too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.conftest import make_settings
from tests.graphql.conftest import codes, gql


@pytest.fixture
def strict_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, graphql_max_depth=3, graphql_max_aliases=2, graphql_max_tokens=60)
    with TestClient(create_app(settings)) as client:
        yield client


def test_query_within_the_depth_limit_runs(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ me { roles { name } } }")
    assert codes(body) == [
        "UNAUTHENTICATED"
    ]  # validated and executed: refused by permission, not by the limit


def test_query_deeper_than_the_limit_is_refused(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ users { edges { node { username } } } }")
    assert body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "deeper than the limit of 3" in body["errors"][0]["message"]


def test_depth_counts_through_fragments(strict_client: TestClient) -> None:
    query = "query { users { ...E } } fragment E on UserConnection { edges { node { username } } }"
    assert "deeper than the limit" in gql(strict_client, query)["errors"][0]["message"]


def test_the_limit_applies_every_time_the_same_document_is_sent(strict_client: TestClient) -> None:
    query = "{ users { edges { node { username } } } }"
    for _ in range(3):
        assert codes(gql(strict_client, query)) == ["BAD_USER_INPUT"]


def test_too_many_aliases_are_refused(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ a: can(scopes: []) b: can(scopes: []) c: can(scopes: []) }")
    assert "3 aliases" in body["errors"][0]["message"]


def test_aliases_are_counted_through_fragment_spreads(strict_client: TestClient) -> None:
    query = "{ ...F ...F } fragment F on Query { a: can(scopes: []) b: can(scopes: []) }"
    body = gql(strict_client, query)
    assert "4 aliases (fragments included)" in body["errors"][0]["message"]


def test_circular_fragments_are_refused_without_recursion_errors(strict_client: TestClient) -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    body = gql(strict_client, query)
    assert body["data"] is None
    assert any("Cannot spread fragment" in e["message"] for e in body["errors"])


def test_too_many_tokens_are_refused(strict_client: TestClient) -> None:
    query = "{ " + " ".join(f"f{i}: can(scopes: [])" for i in range(30)) + " }"
    body = gql(strict_client, query)
    assert "tokens" in body["errors"][0]["message"]


def test_deeply_nested_brackets_are_refused_not_a_500(client: TestClient) -> None:
    query = "{ me " + "{ roles " * 400 + "}" * 401
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    assert response.json()["data"] is None


def test_batching_is_off(client: TestClient) -> None:
    response = client.post(
        "/graphql", json=[{"query": "{ can(scopes: []) }"}, {"query": "{ can(scopes: []) }"}]
    )
    assert response.status_code == 400


def test_introspection_and_suggestions_are_on_in_development(client: TestClient) -> None:
    assert gql(client, "{ __schema { queryType { name } } }")["data"] == {
        "__schema": {"queryType": {"name": "Query"}}
    }
    assert "Did you mean" in gql(client, "{ mee { username } }")["errors"][0]["message"]


def test_introspection_and_suggestions_are_off_in_production(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, env="production", secret_key="p" * 40)
    with TestClient(create_app(settings)) as client:
        assert set(codes(gql(client, "{ __schema { queryType { name } } }"))) == {"BAD_USER_INPUT"}
        assert "Did you mean" not in gql(client, "{ mee { username } }")["errors"][0]["message"]


def test_introspection_can_be_turned_off_in_development(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, graphql_introspection=False))) as client:
        assert "introspection" in gql(client, '{ __type(name: "User") { name } }')["errors"][0]["message"]
