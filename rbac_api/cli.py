"""The `rbac-api` command: serve, manage users, check policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from rbac_api.errors import RbacError
from rbac_api.passwords import password_problem
from rbac_api.policy import PolicyError, check_policy_dir
from rbac_api.runtime import Rbac
from rbac_api.settings import ConfigError, Settings
from rbac_api.store.usernames import normalize_username

app = typer.Typer(help="Role- and scope-based authorization service.", no_args_is_help=True)
users_app = typer.Typer(help="Manage user accounts in the configured database.", no_args_is_help=True)
policy_app = typer.Typer(help="Validate and inspect policy files.", no_args_is_help=True)
app.add_typer(users_app, name="users")
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(schema_app, name="schema")


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
    except ConfigError as exc:
        fail(str(exc))
    except PolicyError as exc:
        fail("the policy is invalid; fix these and retry:\n" + str(exc))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the service with settings from RBAC_* environment variables."""
    import uvicorn

    from rbac_api.app import create_app

    try:
        application = create_app(load_settings())
    except ConfigError as exc:
        fail(str(exc))
    except PolicyError as exc:
        fail("the policy is invalid; fix these and retry:\n" + str(exc))
    uvicorn.run(application, host=host, port=port, log_level="info")


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
    try:
        record = rbac.users.set_roles(normalize_username(username), roles)
    except RbacError as exc:
        fail(exc.message)
    typer.echo(f"{record.username}: roles {', '.join(record.roles)}")


@users_app.command("disable")
def users_disable(
    username: str, enable: Annotated[bool, typer.Option("--enable", help="Enable instead.")] = False
) -> None:
    """Disable a user (their tokens stop working), or enable them again with --enable."""
    rbac = runtime()
    try:
        record = rbac.users.update(normalize_username(username), disabled=not enable)
    except RbacError as exc:
        fail(exc.message)
    typer.echo(f"{record.username}: {'disabled' if record.disabled else 'enabled'}")


def _check_roles(rbac: Rbac, roles: list[str]) -> None:
    unknown = sorted(set(roles) - set(rbac.engine.policy.roles))
    if unknown:
        fail(
            f"unknown role(s) {', '.join(unknown)}; "
            f"the policy defines {', '.join(sorted(rbac.engine.policy.roles))}"
        )


@policy_app.command("check")
def policy_check(
    directory: Annotated[Path, typer.Argument(help="Policy directory.")] = Path("policies"),
) -> None:
    """Validate a policy directory; prints every problem as file:line: message."""
    if not directory.is_dir():
        fail(f"{directory} is not a directory; pass the folder holding the policy *.yaml files", code=2)
    problems = check_policy_dir(directory)
    for problem in problems:
        typer.echo(str(problem))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise typer.Exit(1)
    typer.echo(f"{directory}: policy OK", err=True)


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
