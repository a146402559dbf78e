"""`rbac-api token issue`: an access token for a script, from the operator's terminal."""

from __future__ import annotations

import click

from rbac_api.cli.env import fail, fail_on_startup, load_settings
from rbac_api.cli.help import example


@click.group()
def token() -> None:
    """Access tokens for scripts."""


@token.command(
    epilog=example(
        "rbac-api token issue --user alice --scope documents:read",
        'TOKEN=$(rbac-api token issue --user alice) && curl -H "Authorization: Bearer $TOKEN" ...',
    )
)
@click.option("--user", "username", required=True, metavar="NAME", help="Whose token it is.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    metavar="SCOPE",
    help="A scope the token holds (repeat for several); default: every scope the user's roles grant.",
)
def issue(username: str, scopes: tuple[str, ...]) -> None:
    """Print an access token for a user (its session can be ended like any login's).

    Scopes the user's roles do not grant are refused, as at POST /token.
    """
    import anyio

    from rbac_api.app import build_runtime
    from rbac_api.core.errors import RbacError
    from rbac_api.policy import PolicyError
    from rbac_api.services.login import issue_for_operator
    from rbac_api.settings import ConfigError

    try:
        rbac = build_runtime(load_settings())
    except (ConfigError, PolicyError) as exc:
        fail_on_startup(exc)
    try:
        issued = anyio.run(issue_for_operator, rbac, username, frozenset(scopes) or None)
    except RbacError as exc:
        fail(exc.message)
    click.echo(issued.token)
    click.echo(f"scopes: {' '.join(issued.scopes)}; expires in {issued.expires_in} s", err=True)
