"""Lists filtered in SQL hold exactly the objects the engine allows one by one, for every supported rule form.

Random policies (rules with random roles, scopes and conditions), random principals (global roles,
organization memberships, token scopes) and random rows in the test database (SQLite, or PostgreSQL in the
PostgreSQL pass): the rows the SQL filter selects are the rows `decide_on` allows, each and every time.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)

from rbac_api.core.principal import Membership, Principal
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.loader import load_policy
from rbac_api.policy.model import Policy
from rbac_api.store.object_filter import first_ids, where
from tests.databases import fresh_database_url
from tests.policy.test_conditions import CONDITIONS

SCOPES = ("things:read", "things:write")
PAGE = 3
ROLES = ("viewer", "editor", "owner")
ORGS = ("acme", "globex", "draft")

METADATA = MetaData()
THINGS = Table(
    "things_under_test",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, nullable=True),
    Column("org", String(64), nullable=True),
    Column("status", String(20), nullable=False),
    Column("level", Integer, nullable=False),
    Column("flag", Boolean, nullable=False),
)
COLUMNS = {name: THINGS.c[name] for name in ("owner_id", "org", "status", "level", "flag")}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url(tmp_path_factory.mktemp("filters")))
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)
    engine.dispose()


def policy_text(rules: list[tuple[str, str, str | None]]) -> str:
    body = "".join(
        f"  - name: rule-{n}\n    resource: thing\n    roles: [{role}]\n    scopes: [{scope}]\n"
        + (f"    when: '{when.replace(chr(39), chr(39) * 2)}'\n" if when is not None else "")
        for n, (role, scope, when) in enumerate(rules)
    )
    return textwrap.dedent(
        """
            default_role: viewer
            scopes:
              things:read: Read things
              things:write: Write things
            roles:
              viewer: {description: Views, scopes: [things:read]}
              editor: {description: Edits, inherits: [viewer], scopes: [things:write]}
              owner: {description: Owns, scopes: [things:read]}
            resources:
              thing:
                attributes:
                  owner_id: int?
                  org: string?
                  status: string
                  level: int
                  flag: bool
                organization: org
            """
    ) + ("rules:\n" + body if rules else "")


_policies: dict[str, Policy] = {}


def policy_of(text: str, directory: Path) -> Policy:
    if text not in _policies:
        (directory / "policy.yaml").write_text(text)
        _policies[text] = load_policy(directory)
    return _policies[text]


RULES = st.lists(
    st.tuples(st.sampled_from(ROLES), st.sampled_from(SCOPES), st.none() | CONDITIONS), max_size=3
)
ROLE_SETS = st.frozensets(st.sampled_from(ROLES), max_size=2)
PRINCIPALS = st.builds(
    lambda subject, roles, memberships, token: (subject, roles, memberships, token),
    st.sampled_from(["3", "7"]),
    ROLE_SETS,
    st.dictionaries(st.sampled_from(ORGS), ROLE_SETS, max_size=2),
    st.frozensets(st.sampled_from(SCOPES), min_size=1),
)
ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "owner_id": st.none() | st.sampled_from([3, 7]),
            "org": st.none() | st.sampled_from(ORGS),
            "status": st.sampled_from(["draft", "published", "bob"]),
            "level": st.integers(-3, 8),
            "flag": st.booleans(),
        }
    ),
    min_size=1,
    max_size=12,
)


def principal(
    policy: Policy, subject: str, roles: frozenset[str], memberships: Any, token: frozenset[str]
) -> Principal:
    return Principal(
        subject=subject,
        username="bob",
        roles=roles,
        scopes=token & policy.granted(roles),
        token_id="t",
        expires_at=0,
        memberships={
            org: Membership(held, token & policy.granted(held)) for org, held in memberships.items()
        },
        token_scopes=token,
    )


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rules=RULES, who=PRINCIPALS, rows=ROWS, scope=st.sampled_from(SCOPES))
def test_the_sql_filter_selects_exactly_the_objects_the_engine_allows(
    database: Engine,
    tmp_path: Path,
    rules: list[tuple[str, str, str | None]],
    who: Any,
    rows: list[dict[str, Any]],
    scope: str,
) -> None:
    policy = policy_of(policy_text(rules), tmp_path)
    engine = PolicyEngine(policy)
    caller = principal(policy, *who)
    with database.begin() as connection:
        connection.execute(delete(THINGS))
        connection.execute(insert(THINGS), [{"id": n + 1, **row} for n, row in enumerate(rows)])
        allowed = engine.filter_for(caller, scope, "thing")
        by_sql = set(connection.execute(select(THINGS.c.id).where(where(allowed, COLUMNS))).scalars())
        # How pages run: one id-ordered, limited query per branch of the filter, the first ids of their union.
        paged = first_ids(allowed, COLUMNS, THINGS.c.id, [THINGS.c.id > 0], PAGE)
        first_page = list(connection.execute(paged).scalars()) if paged is not None else None
    by_decision = {n + 1 for n, row in enumerate(rows) if engine.decide_on(caller, scope, "thing", row)}
    assert by_sql == by_decision
    if first_page is not None:
        assert first_page == sorted(by_decision)[:PAGE]
