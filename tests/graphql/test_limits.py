"""Abuse limits, introspection and suggestions: checked before graphql-core's rules, and on every request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import get_introspection_query

from rbac_api import create_app
from tests.conftest import make_settings
from tests.graphql.conftest import codes, gql

WHOLE_SCHEMA_PAGE = """{
  me { id username fullName disabled email roles { name description scopes } }
  users(first: 100) {
    edges { cursor node { id username fullName disabled email roles { name description scopes } } }
    pageInfo { hasNextPage endCursor }
  }
  documents(first: 100) { edges { node { id title body ownerId createdAt } } }
  roles { name description scopes }
  policy { version loadedAt defaultRole scopes { name description } }
  myPermissions { roles scopes }
}"""
A_PAGE_OF_USERS = "{ users(first: 100) { edges { node { username email roles { name scopes } } } } }"  # 701


def fan_out(n: int) -> str:
    """Each fragment spreads the next one twice: 2**n fields once expanded."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    return f"{{ ...F0 }} {chain} fragment F{n} on Query {{ can(scopes: []) }}"


@pytest.fixture
def strict_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, graphql_max_depth=3, graphql_max_aliases=2, graphql_max_tokens=60)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def budget_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, graphql_max_complexity=500, graphql_max_query_length=200)
    with TestClient(create_app(settings)) as client:
        yield client


def refusal(body: dict[str, Any]) -> str:
    """The messages of a document refused as a whole, each a BAD_USER_INPUT."""
    assert body["data"] is None
    assert set(codes(body)) == {"BAD_USER_INPUT"}
    return " | ".join(error["message"] for error in body["errors"])


def test_query_within_the_depth_limit_runs(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ me { roles { name } } }")
    assert codes(body) == [
        "UNAUTHENTICATED"
    ]  # validated and executed: refused by permission, not by the limit


def test_query_deeper_than_the_limit_is_refused(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ users { edges { node { username } } } }")
    assert "deeper than the limit of 3" in refusal(body)


def test_depth_counts_through_fragments(strict_client: TestClient) -> None:
    query = "query { users { ...E } } fragment E on UserConnection { edges { node { username } } }"
    assert "deeper than the limit" in gql(strict_client, query)["errors"][0]["message"]


def test_the_limit_applies_every_time_the_same_document_is_sent(strict_client: TestClient) -> None:
    query = "{ users { edges { node { username } } } }"
    for _ in range(3):
        assert codes(gql(strict_client, query)) == ["BAD_USER_INPUT"]


def test_a_refused_document_never_reaches_graphql_cores_rules(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ users { edges { node { noSuchField } } } }")
    assert "deeper than the limit" in refusal(body)  # and not "Cannot query field"


def test_too_many_aliases_are_refused(strict_client: TestClient) -> None:
    body = gql(strict_client, "{ a: can(scopes: []) b: can(scopes: []) c: can(scopes: []) }")
    assert "more than 2 aliases" in refusal(body)


def test_aliases_are_counted_through_fragment_spreads(strict_client: TestClient) -> None:
    query = "{ ...F ...F } fragment F on Query { a: can(scopes: []) b: can(scopes: []) }"
    assert "aliases (fragments included)" in refusal(gql(strict_client, query))


def test_circular_fragments_are_refused_without_recursion_errors(strict_client: TestClient) -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    body = gql(strict_client, query)
    assert body["data"] is None
    assert any("Cannot spread fragment" in e["message"] for e in body["errors"])


def test_a_spread_of_an_unknown_fragment_is_refused_by_validation(client: TestClient) -> None:
    assert "Unknown fragment 'Missing'" in refusal(gql(client, "{ __typename ...Missing }"))


def test_too_many_tokens_are_refused(strict_client: TestClient) -> None:
    query = "{ " + " ".join(f"f{i}: can(scopes: [])" for i in range(30)) + " }"
    body = gql(strict_client, query)
    assert "tokens" in body["errors"][0]["message"]


def test_a_page_of_every_field_of_the_schema_passes_the_default_limits(
    client: TestClient, admin_token: str
) -> None:
    body = gql(client, WHOLE_SCHEMA_PAGE, admin_token)
    assert "errors" not in body
    assert body["data"]["users"]["edges"][0]["node"]["username"] == "admin"


def test_the_introspection_query_passes_the_default_limits(client: TestClient) -> None:
    body = gql(client, get_introspection_query(descriptions=True))
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_query_over_the_complexity_budget_is_refused_before_execution(budget_client: TestClient) -> None:
    message = refusal(gql(budget_client, A_PAGE_OF_USERS))
    assert "complexity is over the limit of 500" in message
    assert "smaller pages" in message


def test_a_query_within_the_complexity_budget_is_executed(budget_client: TestClient) -> None:
    body = gql(budget_client, A_PAGE_OF_USERS.replace("first: 100", "first: 50"))  # 351
    assert codes(body) == ["UNAUTHENTICATED"]


def test_a_page_size_from_a_variable_is_budgeted_as_the_largest_page(budget_client: TestClient) -> None:
    query = "query($n: Int = 1) { users(first: $n) { edges { node { username email roles { name } } } } }"
    assert "complexity is over the limit" in refusal(gql(budget_client, query))


def test_a_fan_out_of_fragment_spreads_is_refused_by_the_complexity_budget(client: TestClient) -> None:
    assert "complexity is over the limit of 5000" in refusal(gql(client, fan_out(40)))


def test_repeating_a_field_many_times_is_refused_before_validation(client: TestClient) -> None:
    body = gql(client, "{ " + "me { username } " * 150 + "}")
    assert "repeats fields too often" in refusal(body)


def test_fragments_expanding_to_too_many_selections_are_refused(client: TestClient) -> None:
    fragment = (
        "fragment F on Query { "
        + " ".join(f"a{i}: __typename" for i in range(20))
        + " me { id username fullName disabled email roles { name description scopes } }"
        + " policy { version loadedAt defaultRole scopes { name description } }"
        + " myPermissions { roles scopes } }"
    )
    operations = " ".join(f"query Q{i} {{ ...F }}" for i in range(130))  # 41 selections each
    assert "selections once fragments are expanded" in refusal(gql(client, f"{operations} {fragment}"))


def test_a_query_longer_than_the_length_limit_is_refused_before_parsing(budget_client: TestClient) -> None:
    message = refusal(gql(budget_client, "{" * 201))
    assert message.startswith("Query is 201 characters long; the limit is 200")  # not a syntax error


def test_comments_count_towards_the_length_limit(budget_client: TestClient) -> None:
    body = gql(budget_client, "# " + "x" * 200 + "\n{ __typename }")
    assert "characters long" in refusal(body)


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


def test_the_limits_come_from_rbac_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RBAC_GRAPHQL_MAX_COMPLEXITY", "3")
    monkeypatch.setenv("RBAC_GRAPHQL_MAX_QUERY_LENGTH", "100")
    monkeypatch.setenv("RBAC_GRAPHQL_CACHE_BYTES", "0")
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert "complexity is over the limit of 3" in refusal(
            gql(client, "{ roles { name scopes description } }")
        )
        assert "the limit is 100" in refusal(gql(client, "{ __typename }" + " " * 100))
        gql(client, "{ __typename }")
        assert len(client.app.state.graphql_executor.cache) == 0  # type: ignore[attr-defined]
