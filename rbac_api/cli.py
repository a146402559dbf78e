"""The `rbac-api` command: serve, manage users, check policies."""

from __future__ import annotations

import copy
import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rbac_api.cli_env import fail, fail_on_startup, load_settings, runtime
from rbac_api.core.errors import RbacError
from rbac_api.core.passwords import password_problem
from rbac_api.pidfiles import DEFAULT_PID_DIR
from rbac_api.policy import PolicyError
from rbac_api.policy.problems import AppCheckError
from rbac_api.policy_cli import policy_app
from rbac_api.services.administration import operator_rules
from rbac_api.settings import ConfigError
from rbac_api.store.usernames import normalize_username

if TYPE_CHECKING:
    from rbac_api.runtime import Rbac

app = typer.Typer(help="Role- and scope-based authorization service.", no_args_is_help=True)
users_app = typer.Typer(help="Manage user accounts in the configured database.", no_args_is_help=True)
app.add_typer(users_app, name="users")
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(schema_app, name="schema")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes; each reloads the policy itself.")
    ] = 1,
) -> None:
    """Run the service with settings from RBAC_* environment variables."""
    import uvicorn

    from rbac_api.app import create_app
    from rbac_api.transport.head_limit import head_limited

    settings = load_settings()
    if settings.pid_dir is None:
        settings = settings.model_copy(update={"pid_dir": DEFAULT_PID_DIR})
    try:
        # Built here even with several workers: a bad configuration stops start-up once, with its reasons.
        application = create_app(settings)
    except (ConfigError, PolicyError, AppCheckError) as exc:
        fail_on_startup(exc)
    server: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": log_config(),
        "http": head_limited(settings.max_header_bytes),
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: only the proxies listed.
        "proxy_headers": settings.forwarded_allow_ips is not None,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if workers == 1:
        # What start-up built lives as long as the process: keep it out of every later full collection
        # (65-85 ms each with the GIL held, measured in docs/benchmarks.md).
        gc.freeze()
        uvicorn.run(application, **server)
        return
    os.environ["RBAC_PID_DIR"] = str(settings.pid_dir)
    uvicorn.run("rbac_api.app:app_from_environment", factory=True, workers=workers, **server)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus ours at INFO: reloads and warnings as usual, denials as bare JSON lines, and
    access log lines without the values of credentials sent in query strings."""
    from uvicorn.config import LOGGING_CONFIG

    from rbac_api.transport.access_log import ACCESS_LOGGER

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["query_secrets"] = {
        "()": "rbac_api.transport.access_log.query_secrets_filter"
    }
    config["loggers"][ACCESS_LOGGER]["filters"] = ["query_secrets"]
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["audit"] = {
        "formatter": "json_line",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["rbac_api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["rbac_api.audit"] = {"handlers": ["audit"], "level": "INFO", "propagate": False}
    return config


@users_app.command("create")
def users_create(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Repeat for several; default: the policy's default role."),
    ] = None,
    email: str | None = None,
    full_name: str | None = None,
) -> None:
    """Create a user."""
    rbac = runtime()
    problem = password_problem(password)
    if problem:
        fail(problem)
    roles = role or [rbac.engine.policy.default_role]
    _check_roles(rbac, roles)
    try:
        record = rbac.users.create(
            username=normalize_username(username),
            password_hash=rbac.hasher.hash_sync(password),
            email=email,
            full_name=full_name,
            roles=roles,
        )
    except RbacError as exc:
        fail(exc.message)
    typer.echo(f"created {record.username} (id {record.id}) with roles {', '.join(record.roles)}")


@users_app.command("list")
def users_list() -> None:
    """List users with their roles."""
    rbac = runtime()
    cursor: str | None = None
    while True:
        records, cursor = rbac.users.page(limit=100, cursor=cursor)
        for r in records:
            state = "disabled" if r.disabled else "active"
            typer.echo(f"{r.id}\t{r.username}\t{state}\t{','.join(r.roles)}")
        if cursor is None:
            return


@users_app.command("set-roles")
def users_set_roles(
    username: str, roles: Annotated[list[str], typer.Argument(help="The complete new set.")]
) -> None:
    """Replace a user's roles."""
    rbac = runtime()
    _check_roles(rbac, roles)
    rules = operator_rules(rbac.engine.policy)
    try:
        record = rbac.users.set_roles(user_id=_user_id(rbac, username), roles=roles, rules=rules)
    except RbacError as exc:
        fail(exc.message)
    typer.echo(f"{record.username}: roles {', '.join(record.roles)}")


@users_app.command("disable")
def users_disable(
    username: str, enable: Annotated[bool, typer.Option("--enable", help="Enable instead.")] = False
) -> None:
    """Disable a user (their tokens stop working for good), or enable them again with --enable."""
    rbac = runtime()
    rules = operator_rules(rbac.engine.policy)
    try:
        record = rbac.users.update(user_id=_user_id(rbac, username), disabled=not enable, rules=rules)
    except RbacError as exc:
        fail(exc.message)
    typer.echo(f"{record.username}: {'disabled' if record.disabled else 'enabled'}")


def _user_id(rbac: Rbac, username: str) -> int:
    """The account named on the command line. Changes by the operator follow `operator_rules`: the CLI is
    exempt from the superior-account rule, never from the last-administrator one."""
    return rbac.users.id_of(normalize_username(username))


def _check_roles(rbac: Rbac, roles: list[str]) -> None:
    unknown = sorted(set(roles) - set(rbac.engine.policy.roles))
    if unknown:
        fail(
            f"unknown role(s) {', '.join(unknown)}; "
            f"the policy defines {', '.join(sorted(rbac.engine.policy.roles))}"
        )


@schema_app.command("export")
def schema_export(
    output: Annotated[str, typer.Option(help="File to write, or - for standard output.")] = "schema.graphql",
) -> None:
    """Write the GraphQL schema as SDL (the committed schema.graphql is checked against it in tests)."""
    from rbac_api.graphql.schema import build_schema, export_sdl

    sdl = export_sdl(build_schema())
    if output == "-":
        typer.echo(sdl, nl=False)
        return
    Path(output).write_text(sdl)
    typer.echo(f"wrote {output}", err=True)


def main() -> None:
    app()
