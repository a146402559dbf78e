"""Roles x scopes: who holds what, for the terminal (rich), for documents (Markdown) and for tools (CSV).

One row per scope and one column per role, in policy order: catalogues grow longer than role lists, and
a long table reads better than a wide one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rbac_api.policy.explain import Source, scope_sources
from rbac_api.policy.model import Policy

if TYPE_CHECKING:
    from rich.table import Table

OWN, INHERITED = "✓", "✓ⁱ"
LEGEND = "✓ granted by the role itself, ✓ⁱ inherited from a role it inherits"
#: The words for a cell, in CSV and JSON.
LABELS: dict[str, Literal["own", "inherited"] | None] = {OWN: "own", INHERITED: "inherited", "": None}


def cell(policy: Policy, role: str, scope: str) -> str:
    definition = policy.roles[role]
    if scope in definition.scopes:
        return OWN
    return INHERITED if scope in definition.effective_scopes else ""


@dataclass(frozen=True, slots=True)
class Cell:
    """One role x scope answer and how it comes about: `how` is "own", "inherited" or None (not granted);
    `sources` are the grants giving it (role, pattern as written, wildcard or not, path), nearest first."""

    role: str
    how: Literal["own", "inherited"] | None
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Row:
    scope: str
    description: str
    cells: tuple[Cell, ...]


def rows(policy: Policy, prefix: str = "") -> list[Row]:
    """The matrix with each cell explained, for the scopes starting with `prefix` (all when empty)."""
    sources = {role: scope_sources(policy, role) for role in policy.roles}
    return [
        Row(
            name,
            scope.description,
            tuple(
                Cell(role, LABELS[cell(policy, role, name)], tuple(sources[role].get(name, ())))
                for role in policy.roles
            ),
        )
        for name, scope in policy.scopes.items()
        if name.startswith(prefix)
    ]


def rich_table(policy: Policy) -> Table:
    from rich.table import Table

    table = Table(title=f"policy {policy.version}: scopes x roles", caption=LEGEND)
    table.add_column("scope", style="bold", no_wrap=True)
    for role in policy.roles:
        table.add_column(role, justify="center")
    for scope in policy.scopes:
        table.add_row(scope, *(cell(policy, role, scope) for role in policy.roles))
    return table


def markdown(policy: Policy) -> str:
    roles = list(policy.roles)
    lines = ["| scope | " + " | ".join(f"`{r}`" for r in roles) + " |", "|---" * (len(roles) + 1) + "|"]
    for scope in policy.scopes:
        lines.append(f"| `{scope}` | " + " | ".join(cell(policy, role, scope) for role in roles) + " |")
    return "\n".join([*lines, "", LEGEND]) + "\n"


def csv_text(policy: Policy) -> str:
    """One row per scope, one column per role: `own`, `inherited` or empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", *policy.roles])
    for scope in policy.scopes:
        writer.writerow([scope, *(LABELS[cell(policy, role, scope)] or "" for role in policy.roles)])
    return out.getvalue()
