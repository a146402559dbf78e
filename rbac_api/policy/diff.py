"""The access impact of a policy change: which role x scope, role x route and role x field cells change."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rbac_api.policy.model import Policy, RuleDef
from rbac_api.policy.targets import Target, decide, principal_with

Kind = Literal["scope", "route", "field", "rule"]
ABSENT = "-"


@dataclass(frozen=True, slots=True)
class Change:
    role: str
    kind: Kind
    what: str
    #: "allow", "deny", or "-" where the role (or scope) does not exist on that side.
    old: str
    new: str


class RevisionError(Exception):
    """A `REV:path` that git cannot show; the message names the fix."""


def access(policy: Policy, targets: Iterable[Target]) -> dict[tuple[str, Kind, str], str]:
    """Every role's answer on every scope, and on every route and field whose answer depends on roles."""
    judged = [t for t in targets if t.checks]
    cells: dict[tuple[str, Kind, str], str] = {}
    for role, definition in policy.roles.items():
        principal = principal_with(frozenset({role}), policy)
        for scope in policy.scopes:
            cells[role, "scope", scope] = "allow" if scope in definition.effective_scopes else "deny"
        for target in judged:
            cells[role, target.kind, target.name] = (
                "allow" if decide(target, principal, policy).allowed else "deny"
            )
    return cells


def diff_access(old: Policy, new: Policy, targets: Iterable[Target]) -> list[Change]:
    """Cells whose answer changes; a missing role or scope counts as a denial (shown as "-")."""
    targets = list(targets)
    before, after = access(old, targets), access(new, targets)
    order = {"scope": 0, "route": 1, "field": 2}
    keys = sorted(before.keys() | after.keys(), key=lambda key: (key[0], order[key[1]], key[2]))
    return [
        Change(*key, before.get(key, ABSENT), after.get(key, ABSENT))
        for key in keys
        if (before.get(key) == "allow") != (after.get(key) == "allow")
    ] + rule_changes(old, new)


def rule_changes(old: Policy, new: Policy) -> list[Change]:
    """Object rules added, removed or changed (roles, resource, scopes or condition), by rule name.

    What a rule grants depends on each object, so the change is shown as the rule itself: the roles it
    applies to, and its grant before and after ("-" where the rule does not exist)."""
    before = {rule.name: rule for rule in old.rules}
    after = {rule.name: rule for rule in new.rules}
    changes = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        old_text, new_text = _rule_text(was), _rule_text(now)
        if old_text != new_text:
            roles = sorted((was.roles if was else frozenset()) | (now.roles if now else frozenset()))
            changes.append(Change(",".join(roles), "rule", name, old_text, new_text))
    return changes


def _rule_text(rule: RuleDef | None) -> str:
    if rule is None:
        return ABSENT
    when = rule.condition.source if rule.condition is not None else "always"
    scopes, roles = " ".join(sorted(rule.scopes)), ",".join(sorted(rule.roles))
    return f"{scopes} on {rule.resource} held by {roles} when {when}"


def format_changes(changes: list[Change]) -> list[str]:
    rows = [("role", "kind", "what", "old", "new")] + [
        (c.role, c.kind, c.what, c.old, c.new) for c in changes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip()
        for row in rows
    ]


@contextmanager
def policy_directory(spec: str) -> Iterator[Path]:
    """`spec` as a directory: a path, or `REV:path` (such as `HEAD~1:policies`) checked out of git."""
    if Path(spec).is_dir() or ":" not in spec:
        yield Path(spec)
        return
    revision, _, path = spec.partition(":")
    names = _git("ls-tree", "--name-only", f"{revision}:{path}").decode().splitlines()
    with tempfile.TemporaryDirectory(prefix="rbac-policy-") as scratch:
        for name in names:
            if name.endswith((".yaml", ".yml")):
                data = _git("show", f"{revision}:{path.rstrip('/')}/{name}")
                (Path(scratch) / name).write_bytes(data)
        yield Path(scratch)


def _git(*args: str) -> bytes:
    try:
        result = subprocess.run(["git", *args], capture_output=True, check=False)  # noqa: S603, S607
    except FileNotFoundError:
        raise RevisionError("git is not installed; compare two directories instead") from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise RevisionError(f"git {' '.join(args)}: {detail[-1] if detail else 'failed'}")
    return result.stdout
