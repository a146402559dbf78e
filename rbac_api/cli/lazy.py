"""A click group whose commands are imported only when the command line names them."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

import click


class LazyGroup(click.Group):
    """Subcommands named by `"module:attribute"`, imported on first use.

    `rbac-api policy check` then loads the policy package and nothing of what `serve` needs (FastAPI,
    Strawberry, uvicorn) or the user commands need (SQLAlchemy). The modules themselves import only click at
    the top, so listing the commands in `rbac-api --help` stays cheap too.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """In the order given, which reads as a tour (serve first), not alphabetically."""
        return [*self._lazy, *(name for name in super().list_commands(ctx) if name not in self._lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self._lazy.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = where.partition(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where} is not a click command")
        return command
