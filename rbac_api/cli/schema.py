"""`rbac-api schema ...`: the GraphQL schema as SDL."""

from __future__ import annotations

from pathlib import Path

import click

from rbac_api.cli.help import example


@click.group()
def schema() -> None:
    """The GraphQL schema."""


@schema.command("export", epilog=example("rbac-api schema export --output docs/schema.graphql"))
@click.option(
    "--output",
    default="schema.graphql",
    show_default=True,
    metavar="FILE",
    help="File to write, or - for standard output.",
)
def export(output: str) -> None:
    """Write the GraphQL schema as SDL (the committed schema.graphql is checked against it in tests)."""
    from rbac_api.graphql.schema import build_schema, export_sdl

    sdl = export_sdl(build_schema())
    if output == "-":
        click.echo(sdl, nl=False)
        return
    Path(output).write_text(sdl)
    click.echo(f"wrote {output}")
