"""What every `rbac-api` command needs from its environment: settings, the runtime, one-line failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer
from pydantic import ValidationError

from rbac_api.policy import PolicyError
from rbac_api.policy.problems import AppCheckError
from rbac_api.settings import ConfigError, Settings

if TYPE_CHECKING:
    from rbac_api.runtime import Rbac


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"rbac-api: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "RBAC_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        fail(f"{name}: {first['msg']}")


def runtime() -> Rbac:
    from rbac_api.app import build_runtime

    try:
        return build_runtime(load_settings())
    except (ConfigError, PolicyError) as exc:
        fail_on_startup(exc)


def fail_on_startup(exc: ConfigError | PolicyError | AppCheckError) -> NoReturn:
    """A refused start-up: one line naming the fix, or every problem as `file:line: message`."""
    if isinstance(exc, PolicyError):
        fail("the policy is invalid; fix these and retry:\n" + str(exc))
    if isinstance(exc, AppCheckError):
        fail("routes, fields and policy do not fit together; fix these and retry:\n" + str(exc))
    fail(str(exc))
