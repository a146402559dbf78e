"""`rbac-api policy ...`: check, test, explain, diff, matrix and reload policies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import fail, load_settings
from rbac_api.cli.help import example

if TYPE_CHECKING:
    from rbac_api.core.principal import Principal
    from rbac_api.policy import Policy
    from rbac_api.policy.explain import ObjectRef
    from rbac_api.policy.targets import Target

DIRECTORY = click.Path(path_type=Path)


@click.group()
def policy() -> None:
    """Validate, test, explain and reload policy files."""


def code_targets() -> list[Target]:
    """The service's routes and GraphQL fields, as the start-up checks see them; no database needed."""
    from rbac_api.guarded import service_targets

    return service_targets()


def require_directory(directory: Path) -> None:
    if not directory.is_dir():
        fail(f"{directory} is not a directory; pass the folder holding the policy *.yaml files", code=2)


@policy.command(epilog=example("rbac-api policy check policies --app"))
@click.argument("directory", metavar="[DIR]", type=DIRECTORY, default=Path("policies"))
@click.option("--app", is_flag=True, help="Also check the code: scopes required by routes and fields.")
def check(directory: Path, app: bool) -> None:
    """Validate a policy directory.

    DIR defaults to ./policies; every problem is printed as file:line: message.
    """
    from rbac_api.policy import check_policy_dir, load_policy
    from rbac_api.policy.problems import has_errors

    require_directory(directory)
    problems = check_policy_dir(directory)
    if app and not has_errors(problems):
        from rbac_api.guarded import check_app

        problems += check_app(code_targets(), load_policy(directory))
    for problem in problems:
        click.echo(str(problem))
    if has_errors(problems):
        raise click.exceptions.Exit(1)
    click.echo(f"{directory}: policy OK{' (and the code fits it)' if app else ''}")


@policy.command("test", epilog=example("rbac-api policy test policies"))
@click.argument("directory", metavar="[DIR]", type=DIRECTORY, default=Path("policies"))
def run_tests(directory: Path) -> None:
    """Run the policy tests in DIR/tests.

    Runs the cases in DIR/tests/*.yaml (DIR defaults to ./policies); each failure is printed as
    file:line: FAIL name: why.
    """
    from rbac_api.policy.casefile import case_files, run_directory

    require_directory(directory)
    if not case_files(directory):
        fail(f"no policy tests in {directory / 'tests'}; add *.yaml files with a 'cases:' list", code=2)
    outcomes, problems = run_directory(directory, loaded(directory), code_targets())
    for problem in problems:
        click.echo(str(problem))
    failed = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failed:
        click.echo(f"{outcome.case.location}: FAIL {outcome.explain()}")
    click.echo(f"{len(outcomes)} cases: {len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed or problems:
        raise click.exceptions.Exit(1)


def loaded(directory: Path, *, shown: str | None = None) -> Policy:
    """The policy of `directory`, or exit 1 printing its problems as `file:line: message`."""
    from rbac_api.policy import PolicyError, load_policy

    try:
        return load_policy(directory)
    except PolicyError as exc:
        click.echo(str(exc))
        fail(f"{shown or directory}: the policy has errors (above); fix them first")


@policy.command(
    epilog=example(
        "rbac-api policy explain --role editor",
        "rbac-api policy explain --user alice --route 'GET /users'",
        "rbac-api policy explain --user alice --scope documents:write --resource document:42",
    )
)
@click.option("--role", metavar="ROLE", help="Explain a role, or decide for it.")
@click.option("--user", metavar="NAME", help="Decide for a user of the configured database.")
@click.option("--scope", metavar="SCOPE", multiple=True, help="Scopes asked for (repeat for several).")
@click.option("--route", metavar="ROUTE", help='A REST route, such as "GET /users".')
@click.option("--field", metavar="TYPE.FIELD", help="A GraphQL field, such as User.email.")
@click.option(
    "--resource", metavar="TYPE:ID", help="One object of the database to decide on, such as document:42."
)
@click.option(
    "--policy-dir", metavar="DIR", type=DIRECTORY, help="Policy directory (default: RBAC_POLICY_DIR)."
)
def explain(
    role: str | None,
    user: str | None,
    scope: tuple[str, ...],
    route: str | None,
    field: str | None,
    resource: str | None,
    policy_dir: Path | None,
) -> None:
    """Explain a role, or decide a request.

    Why a role holds its scopes, or why a user or role may or may not make a request.
    """
    from rbac_api.policy import explain as why

    asks = [x for x in (scope, route, field) if x]
    if (role is None) == (user is None) or len(asks) > 1 or (user is not None and not asks):
        fail("use --role ROLE, or --user NAME / --role ROLE with one of --scope, --route, --field", code=2)
    if resource is not None and len(scope) != 1:
        fail("--resource TYPE:ID needs exactly one --scope, such as --scope documents:write", code=2)
    directory = policy_dir or load_settings().policy_dir
    require_directory(directory)
    policy = loaded(directory)
    if role is not None and role not in policy.roles:
        fail(f"no role {role!r} in {directory}; it defines {', '.join(sorted(policy.roles))}", code=2)
    if role is not None and not asks:
        click.echo("\n".join(why.explain_role(policy, role)))
        return
    who, principal = _caller(policy, role, user)
    if resource is not None:
        from rbac_api.policy.engine import PolicyEngine

        allowed, lines = why.explain_object(PolicyEngine(policy), principal, who, scope[0], _object(resource))
        click.echo("\n".join(lines))
        if not allowed:
            raise SystemExit(1)
        return
    if scope:
        lines = why.explain_scopes(policy, principal, who, list(scope))[1]
    else:
        lines = why.explain_access(policy, principal, who, _target(route, field))[1]
    click.echo("\n".join(lines))


def _caller(policy: Policy, role: str | None, user: str | None) -> tuple[str, Principal]:
    from rbac_api.cli.env import accounts
    from rbac_api.core.errors import RbacError
    from rbac_api.policy.targets import principal_with
    from rbac_api.services.questions import DISABLED, find_caller

    if role is not None:
        return f"role {role}", principal_with(frozenset({role}), policy)
    assert user is not None
    try:
        caller = find_caller(accounts().users, policy, user)
    except RbacError as exc:
        fail(f"{exc.message}; list users with: rbac-api users list")
    if caller.record.disabled:
        fail(f"{caller.who}: {DISABLED}")
    return caller.who, caller.principal


def _object(text: str) -> ObjectRef:
    """`document:42` read from the configured database: the one resource type this service stores."""
    from rbac_api.cli.env import accounts
    from rbac_api.core.errors import InvalidInput, NotFound
    from rbac_api.services.questions import find_object
    from rbac_api.store.documents import DocumentStore

    try:
        return find_object(DocumentStore(accounts().db), text)
    except InvalidInput as exc:
        fail(f"--{exc.message}", code=2)  # the message names the option: "resource '...': give TYPE:ID"
    except NotFound as exc:
        fail(exc.message)


def _target(route: str | None, field: str | None) -> Target:
    from rbac_api.policy.targets import find_target

    request = route or field or ""
    kind = "route" if route else "field"
    target = find_target([t for t in code_targets() if t.kind == kind], request)
    if target is None:
        fail(f"no {kind} {request!r} in this service; 'rbac-api policy matrix' lists them", code=2)
    return target


@policy.command(epilog=example("rbac-api policy diff HEAD~1:policies policies"))
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
def diff(old: str, new: str) -> None:
    """Show the access that changes between two policies.

    Which role x scope, role x route and role x GraphQL field answers change from OLD to NEW; each is a
    policy directory or REV:path such as HEAD~1:policies. Exit 1 when any answer changes.
    """
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
        click.echo(f"no access changes ({before.version} -> {after.version})")
        return
    click.echo("\n".join(format_changes(changes)))
    click.echo(f"{len(changes)} cells change ({before.version} -> {after.version})")
    raise click.exceptions.Exit(1)


@policy.command(epilog=example("rbac-api policy matrix policies --format markdown"))
@click.argument("directory", metavar="[DIR]", type=DIRECTORY, default=Path("policies"))
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "markdown", "csv"]),
    default="table",
    show_default=True,
    help="table (terminal), markdown or csv.",
)
def matrix(directory: Path, output: str) -> None:
    """Show which role holds which scope.

    Roles x scopes, each cell saying whether the role grants the scope itself or inherits it.
    """
    from rbac_api.policy import matrix as tables

    require_directory(directory)
    policy = loaded(directory)
    if output == "table":
        from rich.console import Console

        Console().print(tables.rich_table(policy))
        return
    click.echo(tables.markdown(policy) if output == "markdown" else tables.csv_text(policy), nl=False)


@policy.command(epilog=example("rbac-api policy reload --pid-dir /run/rbac-api"))
@click.option(
    "--pid-dir",
    metavar="DIR",
    type=DIRECTORY,
    help="Where servers register (default: RBAC_PID_DIR or var/run).",
)
def reload(pid_dir: Path | None) -> None:
    """Make every running server reload its policy.

    Sends SIGHUP to each registered server process; each logs one line saying what it did, also when
    the policy is unchanged.
    """
    from rbac_api.pidfiles import DEFAULT_PID_DIR, send_reload, servers

    directory = pid_dir or load_settings().pid_dir or DEFAULT_PID_DIR
    found = servers(directory)
    if not found:
        fail(f"no running rbac-api server is registered in {directory}; start one with 'rbac-api serve'")
    for server in found:
        if send_reload(server):
            click.echo(f"pid {server.pid}: reload requested (policy {server.policy_dir})")
