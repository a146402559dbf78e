"""Checks that need every file at once: duplicate names, references, the default role, cycles, empty roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from rbac_api.policy.catalogue import Catalogue
from rbac_api.policy.entries import FileEntries, Ref, RoleEntry, ScopeEntry
from rbac_api.policy.inheritance import RoleGraph, build_graph
from rbac_api.policy.model import Location, ResourceDef, RuleDef
from rbac_api.policy.object_rules import check_resources, check_rules
from rbac_api.policy.parse import SourceFile
from rbac_api.policy.problems import Problem


class _Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def location(self) -> Location: ...


_Entry = TypeVar("_Entry", bound=_Named)


@dataclass(frozen=True, slots=True)
class CheckedPolicy:
    """A policy directory merged and checked: what the compiler turns into a `Policy` when it is clean."""

    sources: tuple[SourceFile, ...]
    scopes: Mapping[str, ScopeEntry]
    roles: Mapping[str, RoleEntry]
    default_role: str | None
    catalogue: Catalogue
    graph: RoleGraph
    resources: Mapping[str, ResourceDef]
    rules: tuple[RuleDef, ...]


def validate(
    directory: Path, sources: Sequence[SourceFile], files: Sequence[FileEntries], *, complete: bool
) -> tuple[CheckedPolicy, list[Problem]]:
    """Merge the files' entries and check them together.

    When a file could not be parsed (`complete` is false), its names are missing, so reference checks
    would report errors that are not there; only duplicates are checked until every file parses.
    """
    problems: list[Problem] = []
    scopes = _merge((scope for file in files for scope in file.scopes), "scope", problems)
    roles = _merge((role for file in files for role in file.roles), "role", problems)
    catalogue = Catalogue(scopes)
    graph = build_graph(roles, catalogue)
    defaults = [file.default_role for file in files if file.default_role is not None]
    if complete:
        problems += _default_role_problems(directory, defaults, roles)
        problems += _role_problems(roles, catalogue, graph)
    resources = check_resources((entry for file in files for entry in file.resources), problems)
    rules: tuple[RuleDef, ...] = ()
    if complete:
        entries = (entry for file in files for entry in file.rules)
        rules = check_rules(entries, resources, roles, catalogue, problems)
    default_role = defaults[0].name if defaults else None
    checked = CheckedPolicy(tuple(sources), scopes, roles, default_role, catalogue, graph, resources, rules)
    return checked, problems


def _merge(entries: Iterable[_Entry], kind: str, problems: list[Problem]) -> dict[str, _Entry]:
    merged: dict[str, _Entry] = {}
    for entry in entries:
        first = merged.setdefault(entry.name, entry)
        if first is not entry:
            message = f"duplicate {kind} '{entry.name}' (first defined at {first.location})"
            problems.append(Problem(entry.location, message))
    return merged


def _default_role_problems(
    directory: Path, defaults: list[Ref], roles: Mapping[str, RoleEntry]
) -> list[Problem]:
    if not defaults:
        message = "no default_role: add 'default_role: <role>' to one policy file"
        return [Problem(Location(str(directory), 0), message)]
    first, *others = defaults
    problems = [
        Problem(ref.location, f"default_role set again (first at {first.location})") for ref in others
    ]
    if first.name not in roles:
        problems.append(Problem(first.location, f"default_role '{first.name}' is not a defined role"))
    return problems


def _role_problems(roles: Mapping[str, RoleEntry], catalogue: Catalogue, graph: RoleGraph) -> list[Problem]:
    problems: list[Problem] = []
    broken = {name for name, role in roles.items() if role.flawed}
    for role in roles.values():
        found = [*_grant_problems(role, catalogue), *_inherit_problems(role, roles)]
        if found:
            broken.add(role.name)
            problems += found
    for cycle in graph.cycles:
        broken.update(cycle)
        problems.append(_cycle_problem(cycle, roles))
    problems += _empty_role_problems(roles, graph, broken)
    return problems


def _grant_problems(role: RoleEntry, catalogue: Catalogue) -> list[Problem]:
    problems = []
    for grant in role.grants:
        if catalogue.expand(grant.name):
            continue
        if grant.name.endswith(":*"):
            message = f"wildcard '{grant.name}' in role '{role.name}' matches no scope in the catalogue"
        else:
            message = (
                f"role '{role.name}' grants unknown scope '{grant.name}' (not in any 'scopes:' catalogue)"
            )
        problems.append(Problem(grant.location, message))
    return problems


def _inherit_problems(role: RoleEntry, roles: Mapping[str, RoleEntry]) -> list[Problem]:
    return [
        Problem(ref.location, f"role '{role.name}' inherits unknown role '{ref.name}'")
        for ref in role.inherits
        if ref.name not in roles
    ]


def _cycle_problem(cycle: tuple[str, ...], roles: Mapping[str, RoleEntry]) -> Problem:
    """Reported at the `inherits` entry that closes the cycle: removing it breaks this cycle."""
    last, closing = cycle[-2], cycle[-1]
    location = next(ref.location for ref in roles[last].inherits if ref.name == closing)
    return Problem(location, f"inheritance cycle: {' -> '.join(cycle)}")


def _empty_role_problems(roles: Mapping[str, RoleEntry], graph: RoleGraph, broken: set[str]) -> list[Problem]:
    """Roles that grant nothing, except those empty only because of an error reported already."""
    tainted = set(broken)
    for name in graph.order:
        if any(parent in tainted or not graph.effective[parent] for parent in graph.parents[name]):
            tainted.add(name)
    return [
        Problem(
            role.location, f"role '{name}' grants nothing: give it scopes or inherit a role that has some"
        )
        for name, role in roles.items()
        if not graph.effective[name] and name not in tainted
    ]
