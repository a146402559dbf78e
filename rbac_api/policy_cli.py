"""`rbac-api policy ...`: check, test, explain, diff, matrix and reload policies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbac_api.cli_env import fail, load_settings
from rbac_api.pidfiles import DEFAULT_PID_DIR, send_reload, servers
from rbac_api.policy import Policy, PolicyError, Problem, check_policy_dir, load_policy
from rbac_api.policy.problems import has_errors
from rbac_api.policy.targets import Target

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


def loaded(directory: Path) -> Policy:
    """The policy of `directory`, or exit 1 printing its problems as `file:line: message`."""
    try:
        return load_policy(directory)
    except PolicyError as exc:
        typer.echo(str(exc))
        fail(f"{directory}: the policy has errors (above); fix them first")


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
