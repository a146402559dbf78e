"""What the `rbac-api` commands need from their environment: settings, the accounts, one-line failures.

Everything past click is imported inside the functions: a command pays only for what it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rbac_api.policy import Policy, PolicyError
    from rbac_api.policy.problems import AppCheckError
    from rbac_api.settings import ConfigError, Settings
    from rbac_api.store.users import UserStore


def fail(message: str, code: int = 1) -> NoReturn:
    """Stop with `rbac-api: message` on standard error: exit 1 for a failure, 2 for a usage error."""
    click.echo(f"rbac-api: {message}", err=True)
    raise click.exceptions.Exit(code)


def load_settings() -> Settings:
    from pydantic import ValidationError

    from rbac_api.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "RBAC_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        fail(f"{name}: {first['msg']}")


@dataclass(frozen=True, slots=True)
class Accounts:
    """What the user commands work on: the configured database and the policy, without the web service."""

    settings: Settings
    policy: Policy
    db: Engine
    users: UserStore


def accounts() -> Accounts:
    from rbac_api.policy import PolicyError, load_policy
    from rbac_api.store.users import UserStore

    settings = load_settings()
    try:
        policy = load_policy(settings.policy_dir)
    except PolicyError as exc:
        fail_on_startup(exc)
    db = database(settings)
    return Accounts(settings, policy, db, UserStore(db))


def database(settings: Settings) -> Engine:
    """The configured database at the current schema (a new one is created), or exit 1 saying how to
    upgrade one at an older schema."""
    from rbac_api.store.database import make_engine
    from rbac_api.store.schema import SchemaOutOfDate, ensure_schema

    db = make_engine(settings.database_url, pool_size=1)
    try:
        ensure_schema(db)
    except SchemaOutOfDate as exc:
        fail(str(exc))
    return db


def fail_on_startup(exc: ConfigError | PolicyError | AppCheckError) -> NoReturn:
    """A refused start-up: one line naming the fix, or every problem as `file:line: message`."""
    from rbac_api.policy import PolicyError
    from rbac_api.policy.problems import AppCheckError

    if isinstance(exc, PolicyError):
        fail("the policy is invalid; fix these and retry:\n" + str(exc))
    if isinstance(exc, AppCheckError):
        fail("routes, fields and policy do not fit together; fix these and retry:\n" + str(exc))
    fail(str(exc))
