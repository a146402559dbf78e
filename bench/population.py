"""A PostgreSQL database holding N users, loaded with COPY: the data row 10 measures against.

The schema comes from the service's own migrations (`build_runtime` on the empty database). The bulk rows are
streamed with psycopg's COPY in chunks: users (one fixed bcrypt hash of cost 4, computed once and copied to
every row: hashing a million passwords would take days at cost 12 and measure nothing), 1-2 roles each, and
one session (a login) each. The administrator and the benchmark user are created last, through the store,
so their rows sit at the end of the tables as they would for accounts made after an import.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.fixtures import PASSWORD, USERNAME
from bench.policies import SMALL_ROLES
from rbac_api.app import build_runtime
from rbac_api.runtime import Rbac
from rbac_api.services.administration import operator_rules
from rbac_api.services.bootstrap import ADMIN_ROLE, ADMIN_USERNAME
from rbac_api.settings import Settings

CHUNK = 50_000
#: Every other user holds a second role, these in turn.
SECOND_ROLES = ("reader", "editor", "auditor")
#: Sessions ended a minute ago, at every size: the ended-session list every instance keeps in memory.
ENDED_SESSIONS = 1_000
STAMP = "2026-01-01 00:00:00+00"
_ROLE_SETS = (("user",), *(("user", role) for role in SECOND_ROLES))


def username(i: int) -> str:
    return f"user{i:07d}"


def roles_of(i: int) -> tuple[str, ...]:
    return ("user", SECOND_ROLES[i % 3]) if i % 2 == 0 else ("user",)


def session_id(i: int) -> str:
    return f"bench-{i}"


@dataclass
class Population:
    """The database of one size, and what the measurements need to know about it."""

    rbac: Rbac
    #: The settings, as keyword arguments of `Settings` (servers get them as `RBAC_*` variables).
    values: dict[str, Any]
    users: int
    #: Bulk users have ids 1..bulk; the administrator and the benchmark user come after them.
    bulk: int
    admin_id: int
    bench_id: int
    ended: frozenset[int]
    load_seconds: float

    @property
    def deep_id(self) -> int:
        """The id 90% of the way through the list: the deep page starts after it."""
        return self.users * 9 // 10

    def sample(self, count: int, seed: int) -> list[int]:
        """Bulk user ids at random (repeats allowed), never one whose session has ended."""
        pick = random.Random(seed).randint
        ids: list[int] = []
        while len(ids) < count:
            i = pick(1, self.bulk)
            if i not in self.ended:
                ids.append(i)
        return ids

    def mint(self, ids: list[int]) -> list[str]:
        """An access token for each user, under that user's own session."""
        issue, granted = self.rbac.codec.issue, self.rbac.engine.policy.granted
        return [
            issue(
                subject=str(i),
                scopes=granted(frozenset(roles_of(i))),
                roles=roles_of(i),
                version=0,
                session_id=session_id(i),
            ).token
            for i in ids
        ]


def create_database(server_url: str, name: str) -> str:
    """A new, empty database on the server; its SQLAlchemy URL."""
    with psycopg.connect(_libpq(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def populate(values: dict[str, Any], users: int) -> Population:
    """Migrate the (empty) database of `values`, load `users` users into it, and analyse it."""
    started = time.perf_counter()
    rbac = build_runtime(Settings(**values))
    bulk = users - 2
    ended = frozenset(1 + k * bulk // ENDED_SESSIONS for k in range(ENDED_SESSIONS))
    password_hash = rbac.hasher.hash_sync(PASSWORD)
    with psycopg.connect(_libpq(values["database_url"])) as connection:
        # The rows are consistent by construction: skip the per-row foreign-key triggers (6x faster).
        connection.execute("SET session_replication_role = replica")
        _copy(connection, "users", _USER_COLUMNS, _user_lines(bulk, password_hash))
        _copy(connection, "user_roles", ("user_id", "role"), _role_lines(bulk))
        scopes = {
            roles: " ".join(sorted(rbac.engine.policy.granted(frozenset(roles)))) for roles in _ROLE_SETS
        }
        _copy(connection, "sessions", _SESSION_COLUMNS, _session_lines(bulk, ended, scopes, time.time()))
        for table in ("users", "sessions"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {bulk})")
    admin_id = rbac.users.create(
        username=ADMIN_USERNAME,
        password_hash=password_hash,
        email=None,
        full_name="Administrator",
        roles=[ADMIN_ROLE],
    ).id
    bench_id = rbac.users.create(
        username=USERNAME,
        password_hash=password_hash,
        email=None,
        full_name="Bench",
        roles=sorted(SMALL_ROLES),
    ).id
    with psycopg.connect(_libpq(values["database_url"]), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    return Population(rbac, values, users, bulk, admin_id, bench_id, ended, seconds)


def change_admin(population: Population) -> Callable[[], object]:
    """A change to the administrator's account (its full name, to the same value): the store runs the
    last-administrator check inside the change's transaction, as for any change to an administrator."""
    users, admin_id = population.rbac.users, population.admin_id
    rules = operator_rules(population.rbac.engine.policy)
    return lambda: users.update(user_id=admin_id, rules=rules, full_name="Administrator")


_USER_COLUMNS = (
    "id",
    "username",
    "email",
    "full_name",
    "hashed_password",
    "disabled",
    "token_version",
    "created_at",
    "updated_at",
)
_SESSION_COLUMNS = (
    "id",
    "public_id",
    "user_id",
    "token_version",
    "scopes",
    "client_address",
    "user_agent",
    "created_at",
    "last_refreshed_at",
    "expires_at",
    "revoked_at",
)


def _libpq(url: str) -> str:
    """psycopg's own form of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy(
    connection: psycopg.Connection[Any], table: str, columns: tuple[str, ...], lines: Iterator[str]
) -> None:
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == CHUNK:
                copy.write("".join(chunk))
                chunk = []
        copy.write("".join(chunk))


def _user_lines(bulk: int, password_hash: str) -> Iterator[str]:
    for i in range(1, bulk + 1):
        name = username(i)
        yield f"{i}\t{name}\t{name}@example.org\tUser {i}\t{password_hash}\tf\t0\t{STAMP}\t{STAMP}\n"


def _role_lines(bulk: int) -> Iterator[str]:
    for i in range(1, bulk + 1):
        for role in roles_of(i):
            yield f"{i}\t{role}\n"


def _session_lines(
    bulk: int, ended: frozenset[int], scopes: dict[tuple[str, ...], str], now: float
) -> Iterator[str]:
    """One login per user in the last two weeks, live for another two; `ended` ones ended a minute ago."""
    spread = random.Random(7).random
    for i in range(1, bulk + 1):
        created = now - 14 * 86_400 * spread()
        revoked = f"{now - 60:.3f}" if i in ended else "\\N"
        yield (
            f"{i}\t{session_id(i)}\t{i}\t0\t{scopes[roles_of(i)]}\t10.0.0.1\tbench\t{created:.3f}\t{created:.3f}\t"
            f"{created + 28 * 86_400:.3f}\t{revoked}\n"
        )
