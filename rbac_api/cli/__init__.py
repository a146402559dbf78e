"""The `rbac-api` command.

Each command group lives in its own module under this package and is imported only when the command line
names it, so `--help` answers at once and `policy check` never loads the web framework. Adding a group is
one module defining a click command or group, and one line in `COMMANDS`.
"""

from __future__ import annotations

import os
import sys

import click

from rbac_api.cli.help import EXIT_CODES, STREAMS, example
from rbac_api.cli.lazy import LazyGroup

#: Name -> "module:attribute" of a click command; listed in this order by `rbac-api --help`.
COMMANDS = {
    "serve": "rbac_api.cli.serve:serve",
    "users": "rbac_api.cli.users:users",
    "orgs": "rbac_api.cli.orgs:orgs",
    "policy": "rbac_api.cli.policy:policy",
    "schema": "rbac_api.cli.schema:schema",
    "db": "rbac_api.cli.db:db",
    "keys": "rbac_api.cli.keys:keys",
    "token": "rbac_api.cli.token:token",
    "api-tokens": "rbac_api.cli.api_tokens:api_tokens",
}

cli = LazyGroup(
    name="rbac-api",
    lazy=COMMANDS,
    help="Role- and scope-based authorization service: run it, manage its users, check its policy.",
    epilog="\n\n".join((EXIT_CODES, STREAMS, example("rbac-api policy check policies", "rbac-api serve"))),
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main() -> None:
    """The console script `rbac-api`."""
    try:
        cli.main(prog_name="rbac-api")
    except Exception as exc:
        _exit_if_unreachable(exc)
        raise


def _exit_if_unreachable(exc: Exception) -> None:
    """A command that found the database down (`rbac-api db current`, `users list`...) stops with one line
    naming the driver's reason, not a traceback. Imported only then: `--help` stays fast."""
    from rbac_api.core.errors import Unavailable

    if isinstance(exc, Unavailable):
        from rbac_api.store.outages import unreachable

        click.echo(f"rbac-api: {unreachable(exc, os.environ.get('RBAC_DATABASE_URL', ''))}", err=True)
        sys.exit(1)
