"""`rbac-api policy ...`: check, test, explain, diff, matrix and reload policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbac_api.cli_env import fail, load_settings, runtime
from rbac_api.core.principal import Principal
from rbac_api.pidfiles import DEFAULT_PID_DIR, send_reload, servers
from rbac_api.policy import Policy, PolicyError, Problem, check_policy_dir, load_policy
from rbac_api.policy.problems import has_errors
from rbac_api.policy.targets import Target, find_target
from rbac_api.store.users import UserRecord

policy_app = typer.Typer(help="Validate, test, explain and reload policy files.", no_args_is_help=True)

PolicyDir = Annotated[Path, typer.Argument(help="Policy directory.")]


def code_targets() -> list[Target]:
    """The service's routes and GraphQL fields, as the start-up checks see them; no database needed."""
    from rbac_api.guarded import service_targets

    return service_targets()


def require_directory(directory: Path) -> None:
    if not directory.is_dir():
        fail(f"{directory} is not a directory; pass the folder holding the policy *.yaml files", code=2)


@policy_app.command("check")
def check(
    directory: PolicyDir = Path("policies"),
    app: Annotated[
        bool, typer.Option("--app", help="Also check the code: scopes required by routes and fields.")
    ] = False,
) -> None:
    """Validate a policy directory; prints every problem as file:line: message."""
    require_directory(directory)
    problems: list[Problem] = check_policy_dir(directory)
    if app and not has_errors(problems):
        from rbac_api.guarded import check_app

        problems += check_app(code_targets(), load_policy(directory))
    for problem in problems:
        typer.echo(str(problem))
    if has_errors(problems):
        raise typer.Exit(1)
    typer.echo(f"{directory}: policy OK{' (and the code fits it)' if app else ''}", err=True)


@policy_app.command("test")
def run_tests(directory: PolicyDir = Path("policies")) -> None:
    """Run the policy tests in DIR/tests/*.yaml; prints each failure as file:line: why."""
    from rbac_api.policy.casefile import case_files, run_directory

    require_directory(directory)
    if not case_files(directory):
        fail(f"no policy tests in {directory / 'tests'}; add *.yaml files with a 'cases:' list", code=2)
    policy = loaded(directory)
    outcomes, problems = run_directory(directory, policy, code_targets())
    for problem in problems:
        typer.echo(str(problem))
    failed = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failed:
        typer.echo(f"{outcome.case.location}: FAIL {outcome.explain()}")
    typer.echo(f"{len(outcomes)} cases: {len(outcomes) - len(failed)} passed, {len(failed)} failed", err=True)
    if failed or problems:
        raise typer.Exit(1)


def loaded(directory: Path, *, shown: str | None = None) -> Policy:
    """The policy of `directory`, or exit 1 printing its problems as `file:line: message`."""
    try:
        return load_policy(directory)
    except PolicyError as exc:
        typer.echo(str(exc))
        fail(f"{shown or directory}: the policy has errors (above); fix them first")


@policy_app.command("explain")
def explain(
    role: Annotated[str | None, typer.Option(help="Explain a role, or decide for it.")] = None,
    user: Annotated[str | None, typer.Option(help="Decide for a user of the configured database.")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="Scopes asked for (repeat for several).")] = None,
    route: Annotated[str | None, typer.Option(help='A REST route, such as "GET /users".')] = None,
    field: Annotated[str | None, typer.Option(help="A GraphQL field, such as User.email.")] = None,
    policy_dir: Annotated[
        Path | None, typer.Option(help="Policy directory (default: RBAC_POLICY_DIR).")
    ] = None,
) -> None:
    """Why a role holds its scopes, or why a user or role may or may not make a request."""
    from rbac_api.policy import explain as why

    asks = [x for x in (scope, route, field) if x]
    if (role is None) == (user is None) or len(asks) > 1 or (user is not None and not asks):
        fail("use --role ROLE, or --user NAME / --role ROLE with one of --scope, --route, --field", code=2)
    directory = policy_dir or load_settings().policy_dir
    require_directory(directory)
    policy = loaded(directory)
    if role is not None and role not in policy.roles:
        fail(f"no role {role!r} in {directory}; it defines {', '.join(sorted(policy.roles))}", code=2)
    if role is not None and not asks:
        typer.echo("\n".join(why.explain_role(policy, role)))
        return
    who, principal = _caller(policy, role, user)
    if scope:
        lines = why.explain_scopes(policy, principal, who, scope)[1]
    else:
        target = _target(route, field)
        lines = why.explain_access(policy, principal, who, target)[1]
    typer.echo("\n".join(lines))


def _caller(policy: Policy, role: str | None, user: str | None) -> tuple[str, Principal]:
    from rbac_api.policy.targets import principal_with

    if role is not None:
        return f"role {role}", principal_with(frozenset({role}), policy)
    assert user is not None
    record = _user_record(user)
    roles = ", ".join(record.roles) or "no roles"
    if record.disabled:
        fail(
            f"{record.username} ({roles}): DENY: the account is disabled "
            "(enable it with: rbac-api users disable --enable NAME)"
        )
    return f"{record.username} ({roles})", principal_with(
        frozenset(record.roles), policy, username=record.username
    )


def _user_record(name: str) -> UserRecord:
    from rbac_api.core.errors import RbacError
    from rbac_api.store.usernames import normalize_username

    rbac = runtime()
    try:
        return rbac.users.get(normalize_username(name))
    except RbacError as exc:
        fail(f"{exc.message}; list users with: rbac-api users list")


def _target(route: str | None, field: str | None) -> Target:
    request = route or field or ""
    kind = "route" if route else "field"
    target = find_target([t for t in code_targets() if t.kind == kind], request)
    if target is None:
        fail(f"no {kind} {request!r} in this service; 'rbac-api policy matrix' lists them", code=2)
    return target


@policy_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="Policy directory, or REV:path such as HEAD~1:policies.")],
    new: Annotated[str, typer.Argument(help="Policy directory, or REV:path such as HEAD:policies.")],
) -> None:
    """Which role x scope, role x route and role x GraphQL field answers change; exit 1 when any does."""
    from rbac_api.policy.diff import RevisionError, diff_access, format_changes, policy_directory

    try:
        with policy_directory(old) as old_dir, policy_directory(new) as new_dir:
            require_directory(old_dir)
            require_directory(new_dir)
            before, after = loaded(old_dir, shown=old), loaded(new_dir, shown=new)
    except RevisionError as exc:
        fail(str(exc), code=2)
    changes = diff_access(before, after, code_targets())
    if not changes:
        typer.echo(f"no access changes ({before.version} -> {after.version})", err=True)
        return
    typer.echo("\n".join(format_changes(changes)))
    typer.echo(f"{len(changes)} cells change ({before.version} -> {after.version})", err=True)
    raise typer.Exit(1)


@policy_app.command("matrix")
def matrix(
    directory: PolicyDir = Path("policies"),
    output: Annotated[str, typer.Option("--format", help="table (terminal), markdown or csv.")] = "table",
) -> None:
    """Roles x scopes: which role holds which scope, by its own grant or inherited."""
    from rbac_api.policy import matrix as tables

    if output not in ("table", "markdown", "csv"):
        fail(f"unknown --format {output!r}; use table, markdown or csv", code=2)
    require_directory(directory)
    policy = loaded(directory)
    if output == "table":
        from rich.console import Console

        Console().print(tables.rich_table(policy))
        return
    typer.echo(tables.markdown(policy) if output == "markdown" else tables.csv_text(policy), nl=False)


@policy_app.command("reload")
def reload(
    pid_dir: Annotated[
        Path | None, typer.Option(help="Where servers register (default: RBAC_PID_DIR or var/run).")
    ] = None,
) -> None:
    """Make every running server reload its policy now (SIGHUP to each registered process)."""
    directory = pid_dir or load_settings().pid_dir or DEFAULT_PID_DIR
    found = servers(directory)
    if not found:
        fail(f"no running rbac-api server is registered in {directory}; start one with 'rbac-api serve'")
    for server in found:
        if send_reload(server):
            typer.echo(f"pid {server.pid}: reload requested (policy {server.policy_dir})")
