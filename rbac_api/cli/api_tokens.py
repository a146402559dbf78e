"""`rbac-api api-tokens create|list|revoke`: personal API tokens, from the operator's terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import fail, fail_on_startup, load_settings
from rbac_api.cli.help import example

if TYPE_CHECKING:
    from rbac_api.runtime import Rbac


@click.group("api-tokens", short_help="Create, list and revoke personal API tokens.")
def api_tokens() -> None:
    """Personal API tokens: credentials for scripts, with some of a user's scopes and an expiry."""


@api_tokens.command(
    epilog=example(
        "rbac-api api-tokens create --user alice --name ci --scope documents:read --expires-in-days 30",
        "TOKEN=$(rbac-api api-tokens create --user alice --name nightly --scope users:read)",
    )
)
@click.option("--user", "username", required=True, metavar="NAME", help="Whose token it is.")
@click.option("--name", required=True, metavar="NAME", help="A name unique among the user's tokens.")
@click.option("--scope", "scopes", multiple=True, required=True, metavar="SCOPE", help="Repeat for several.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    metavar="DAYS",
    help="At most RBAC_API_TOKEN_MAX_DAYS.",
)
def create(username: str, name: str, scopes: tuple[str, ...], expires_in_days: int) -> None:
    """Print a new API token (its secret is shown this once; only a digest is stored).

    Scopes the user's roles do not grant are refused.
    """
    import anyio

    from rbac_api.core.errors import RbacError
    from rbac_api.services.api_tokens import create_for_operator

    rbac = _runtime()
    try:
        created = anyio.run(
            lambda: create_for_operator(
                rbac, username, name=name, scopes=list(scopes), expires_in_days=expires_in_days
            )
        )
    except RbacError as exc:
        fail(exc.message)
    click.echo(created.token)
    record = created.record
    click.echo(f"created API token {record.id} ({record.name}): {' '.join(sorted(record.scopes))}", err=True)


@api_tokens.command("list", epilog=example("rbac-api api-tokens list --user alice"))
@click.option("--user", "username", required=True, metavar="NAME", help="Whose tokens to list.")
def list_tokens(username: str) -> None:
    """One line per token, tab-separated: id, name, scopes, expires, last used (never the secret)."""
    import anyio

    from rbac_api.core.errors import RbacError
    from rbac_api.services.api_tokens import tokens_of

    rbac = _runtime()
    try:
        found = anyio.run(tokens_of, rbac, username)
    except RbacError as exc:
        fail(exc.message)
    for record in found:
        used = "never" if record.last_used_at is None else _when(record.last_used_at)
        scopes = ",".join(sorted(record.scopes))
        click.echo(f"{record.id}\t{record.name}\t{scopes}\t{_when(record.expires_at)}\t{used}")


@api_tokens.command(epilog=example("rbac-api api-tokens revoke --user alice 12"))
@click.option("--user", "username", required=True, metavar="NAME", help="Whose token it is.")
@click.argument("token_id", type=click.IntRange(min=1), metavar="ID")
def revoke(username: str, token_id: int) -> None:
    """Revoke a token (running services refuse it within RBAC_USER_CACHE_SECONDS)."""
    from rbac_api.core.errors import RbacError
    from rbac_api.services.accounts import lookup_name
    from rbac_api.services.administration import operator_rules
    from rbac_api.services.api_tokens import token_id_of

    rbac = _runtime()
    try:
        user_id = rbac.users.id_of(lookup_name(username))
        record = rbac.api_tokens.revoke(
            user_id=user_id, token_id=token_id_of(str(token_id)), rules=operator_rules(rbac.engine.policy)
        )
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"revoked API token {record.id} ({record.name}) of {username}")


def _runtime() -> Rbac:
    from rbac_api.app import build_runtime
    from rbac_api.policy import PolicyError
    from rbac_api.settings import ConfigError

    try:
        return build_runtime(load_settings())
    except (ConfigError, PolicyError) as exc:
        fail_on_startup(exc)


def _when(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
