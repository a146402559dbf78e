"""`GET /audit/denials`: the recent denials of the process, newest first, from a bounded ring."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.audit import DENIALS_KEPT, Denial, DenialRing
from tests.conftest import bearer
from tests.console.conftest import get_json
from tests.graphql.conftest import gql


def denial(number: int, username: str = "u", target: str = "GET /x", scope: str = "a:b") -> Denial:
    return Denial(float(number), str(number), username, target, (scope,), (scope,), "v1")


def test_a_rest_denial_is_listed_first_with_who_what_and_the_missing_scope(
    client: TestClient, auditor_token: str, plain_token: str
) -> None:
    assert client.get("/users", headers=bearer(plain_token)).status_code == 403
    first = get_json(client, "/audit/denials", auditor_token)["items"][0]
    assert {k: v for k, v in first.items() if k not in ("at", "subject", "policy_version")} == {
        "username": "paula",
        "target": "GET /users",
        "required_scopes": ["users:read"],
        "missing_scopes": ["users:read"],
    }


def test_a_graphql_denial_names_the_field(client: TestClient, auditor_token: str, plain_token: str) -> None:
    gql(client, '{ user(username: "admin") { username } }', plain_token)
    first = get_json(client, "/audit/denials", auditor_token)["items"][0]
    assert (first["username"], first["target"]) == ("paula", "Query.user")


def test_denials_come_newest_first_within_the_limit(
    client: TestClient, auditor_token: str, plain_token: str
) -> None:
    for path in ("/users", "/roles", "/policy"):
        client.get(path, headers=bearer(plain_token))
    items = get_json(client, "/audit/denials?limit=2", auditor_token)["items"]
    assert [item["target"] for item in items] == ["GET /policy", "GET /roles"]


def test_denials_filter_by_user_scope_and_route(
    client: TestClient, auditor_token: str, plain_token: str
) -> None:
    for path in ("/users", "/roles", "/policy"):
        client.get(path, headers=bearer(plain_token))
    client.get("/policy/matrix", headers=bearer(plain_token))

    def targets(query: str) -> list[str]:
        return [
            item["target"] for item in get_json(client, f"/audit/denials?{query}", auditor_token)["items"]
        ]

    assert targets("route=/roles") == ["GET /roles"]
    assert targets("scope=policy&user=PAU") == ["GET /policy/matrix", "GET /policy"]
    assert targets("user=audrey") == []


def test_a_denial_holds_no_secret(client: TestClient, auditor_token: str, plain_token: str) -> None:
    client.get("/users", headers=bearer(plain_token))
    response = client.get("/audit/denials", headers=bearer(auditor_token))
    assert plain_token not in response.text
    assert set(response.json()["items"][0]) == {
        "at",
        "username",
        "subject",
        "target",
        "required_scopes",
        "missing_scopes",
        "policy_version",
    }
    assert response.json()["kept"] == DENIALS_KEPT


def test_the_ring_keeps_only_the_newest() -> None:
    ring = DenialRing(size=3)
    for number in range(5):
        ring.add(denial(number))
    assert [d.at for d in ring.recent(10)] == [4.0, 3.0, 2.0]


@given(st.integers(min_value=1, max_value=20), st.integers(min_value=0, max_value=60), st.integers(1, 30))
def test_the_ring_answers_the_last_added_newest_first_for_any_size_count_and_limit(
    size: int, count: int, limit: int
) -> None:
    ring = DenialRing(size=size)
    for number in range(count):
        ring.add(denial(number))
    expected = list(reversed(range(count)))[: min(size, limit)]
    assert [int(d.at) for d in ring.recent(limit)] == expected
