"""Roles x scopes: who holds what, for the terminal (rich), for documents (Markdown) and for tools (CSV).

One row per scope and one column per role, in policy order: catalogues grow longer than role lists, and
a long table reads better than a wide one.
"""

from __future__ import annotations

import csv
import io

from rich.table import Table

from rbac_api.policy.model import Policy

OWN, INHERITED = "✓", "✓ⁱ"
LEGEND = "✓ granted by the role itself, ✓ⁱ inherited from a role it inherits"


def cell(policy: Policy, role: str, scope: str) -> str:
    definition = policy.roles[role]
    if scope in definition.scopes:
        return OWN
    return INHERITED if scope in definition.effective_scopes else ""


def rich_table(policy: Policy) -> Table:
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
    labels = {OWN: "own", INHERITED: "inherited", "": ""}
    for scope in policy.scopes:
        writer.writerow([scope, *(labels[cell(policy, role, scope)] for role in policy.roles)])
    return out.getvalue()
