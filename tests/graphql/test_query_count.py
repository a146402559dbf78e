"""No N+1: a page of users with their roles costs the same number of queries whatever its size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from rbac_api.runtime import Rbac
from tests.graphql.conftest import gql

QUERY = "query($n: Int!) { users(first: $n) { edges { node { username email roles { name scopes } } } } }"


@contextmanager
def counting(rbac: Rbac) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(rbac.db, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(rbac.db, "before_cursor_execute", record)


def test_listing_users_with_roles_makes_a_constant_number_of_queries(
    client: TestClient, rbac: Rbac, admin_token: str, make_user: Callable[..., int]
) -> None:
    for i in range(30):
        make_user(f"user{i:02}", "user", "reader")
    gql(client, QUERY, admin_token, n=1)  # warm the admin's cached state
    with counting(rbac) as small:
        assert len(gql(client, QUERY, admin_token, n=3)["data"]["users"]["edges"]) == 3
    with counting(rbac) as large:
        assert len(gql(client, QUERY, admin_token, n=30)["data"]["users"]["edges"]) == 30
    assert len(large) == len(small) <= 2
