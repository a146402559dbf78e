"""The queries that run per request, per change and per clean-up find their rows through an index, so their
cost does not grow with the number of users (measured at a million users: docs/benchmarks.md, "Scale").

Each store call runs for real; every SELECT it sends is captured as sent and explained by the database itself.
On PostgreSQL, with sequential scans switched off (`enable_seqscan = off`: the planner then reads a whole
table only when no index can serve the query, so a few rows are enough), no plan node may be a `Seq Scan`, nor
an index scan whose condition leaves the index's first column free (PostgreSQL then reads the whole index,
still calling it an `Index Cond`). On SQLite, no step of `EXPLAIN QUERY PLAN`
may read a whole table or index (`SCAN t`, as opposed to `SEARCH t USING ...`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect

from rbac_api.app import build_runtime
from rbac_api.runtime import Rbac
from rbac_api.services.administration import operator_rules
from rbac_api.services.bootstrap import ADMIN_USERNAME, ensure_first_admin
from rbac_api.store.change_rules import ChangeRules
from rbac_api.store.throttle import RateEventStore
from rbac_api.store.users import encode_cursor
from tests.conftest import make_settings

REFRESH_HASH = "a" * 64
PUBLIC_ID = "session-under-test"


@dataclass(frozen=True)
class Installation:
    rbac: Rbac
    admin_id: int
    user_id: int
    organization_id: int


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """The administrator, a plain user, and one session with a refresh token."""
    rbac = build_runtime(make_settings(tmp_path_factory.mktemp("indexes")))
    ensure_first_admin(rbac)
    user = rbac.users.create(
        username="alice", password_hash="x", email=None, full_name=None, roles=["user", "reader"]
    )
    organization = rbac.organizations.create(name="acme")
    rbac.organizations.replace_roles(
        organization_id=organization.id, user_id=user.id, roles=["reader"], rules=ChangeRules()
    )
    now = time.time()
    rbac.sessions.start(
        public_id=PUBLIC_ID,
        user_id=user.id,
        token_version=0,
        scopes=["users:read"],
        client_address=None,
        user_agent=None,
        now=now,
        expires_at=now + 3600,
        refresh_hash=REFRESH_HASH,
    )
    yield Installation(rbac, rbac.users.id_of(ADMIN_USERNAME), user.id, organization.id)
    rbac.db.dispose()


Call = Callable[[Installation], object]

#: What runs per request, per change or per clean-up, named for the request that runs it.
CALLS: dict[str, Call] = {
    "GET /users?cursor= (a page after an id, and its users' roles)": lambda i: i.rbac.users.page(
        limit=50, cursor=encode_cursor(1)
    ),
    "GET /users/{username} (a user by name)": lambda i: i.rbac.users.get("alice"),
    "POST /token (credentials by name)": lambda i: i.rbac.users.credentials("alice"),
    "every request with a token (the user's state)": lambda i: i.rbac.users.state(i.user_id),
    "every request with a token (sessions ended recently)": lambda i: i.rbac.sessions.revoked_since(0),
    "POST /token, refresh grant (a refresh token)": lambda i: i.rbac.sessions.lookup(REFRESH_HASH),
    "GET /sessions (a user's live sessions)": lambda i: i.rbac.sessions.live_sessions(
        i.user_id, token_version=0, now=time.time()
    ),
    "DELETE /sessions/{id} (a session by public id)": lambda i: i.rbac.sessions.get(PUBLIC_ID),
    "a change to an administrator (last-administrator check)": lambda i: i.rbac.users.update(
        user_id=i.admin_id, rules=operator_rules(i.rbac.engine.policy), full_name="Administrator"
    ),
    "GET /orgs (a member's organizations, by name)": lambda i: i.rbac.organizations.page(
        limit=50, cursor=encode_cursor(0), names=["acme", "beta"]
    ),
    "GET /orgs with orgs:read (a page after an id)": lambda i: i.rbac.organizations.page(
        limit=50, cursor=encode_cursor(1)
    ),
    "GET /orgs/{org}/members (an organization by name)": lambda i: i.rbac.organizations.get("acme"),
    "GET /orgs/{org}/members (a page of members and their roles)": lambda i: i.rbac.organizations.members(
        organization_id=i.organization_id, limit=50, cursor=encode_cursor(1)
    ),
    "PUT /orgs/{org}/members/{username} (the member's roles there)": lambda i: (
        i.rbac.organizations.replace_roles(
            organization_id=i.organization_id, user_id=i.user_id, roles=["reader"], rules=ChangeRules()
        )
    ),
    "housekeeping (ended sessions to forget)": lambda i: i.rbac.sessions.prune(before=time.time()),
    "POST /token (failed logins in the window)": lambda i: RateEventStore(i.rbac.db).count(
        ["login:alice", "login-address:127.0.0.1"], since=0
    ),
}


def sent_queries(engine: Engine, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SELECTs that read a table, as `call` sent them (statement and parameters)."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        words = statement.upper().split()
        if words[:1] == ["SELECT"] and "FROM" in words:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return sent


def whole_table_reads(engine: Engine, queries: list[tuple[str, Any]]) -> list[str]:
    """What the plans of `queries` read whole: tables, or indexes read without a condition."""
    postgres = engine.dialect.name == "postgresql"
    leading = _leading_columns(engine) if postgres else {}
    found: list[str] = []
    with engine.connect() as connection:
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in queries:
            if postgres:
                plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
                found += _postgres_whole_reads(plan[0]["Plan"], leading)
            else:
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                found += [row[-1] for row in rows if _sqlite_reads_whole(row[-1])]
        connection.rollback()
    return found


def _leading_columns(engine: Engine) -> dict[str, str]:
    """The first column of every index, primary keys and unique constraints included, by index name."""
    schema = inspect(engine)
    found: dict[str, str] = {}
    for table in schema.get_table_names():
        key = schema.get_pk_constraint(table)
        found[str(key["name"])] = key["constrained_columns"][0]
        for index in [*schema.get_indexes(table), *schema.get_unique_constraints(table)]:
            found[str(index["name"])] = str(index["column_names"][0])
    return found


def _postgres_whole_reads(node: dict[str, Any], leading: dict[str, str]) -> list[str]:
    kind = node["Node Type"]
    found = [f"Seq Scan on {node['Relation Name']}"] if kind == "Seq Scan" else []
    if kind.endswith("Index Scan"):
        index = node["Index Name"]
        if not re.search(rf"\b{leading[index]}\b", node.get("Index Cond", "")):
            found.append(f"{kind} using {index}, the whole index ({node.get('Index Cond', 'no condition')})")
    for child in node.get("Plans", []):
        found += _postgres_whole_reads(child, leading)
    return found


def _sqlite_reads_whole(detail: str) -> bool:
    return detail.startswith("SCAN ") and detail != "SCAN CONSTANT ROW"


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_the_query_finds_its_rows_through_an_index(installation: Installation, call: Call) -> None:
    queries = sent_queries(installation.rbac.db, lambda: call(installation))
    assert queries, "the call sent no query to explain"
    assert whole_table_reads(installation.rbac.db, queries) == []
