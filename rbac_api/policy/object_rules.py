"""Resource types and object rules checked across every file and compiled: what `validate` adds for them.

Conditions are compiled here, at load, so a rule that cannot be decided or translated into SQL never
reaches the engine: its problem is reported at the `when:` line with the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from rbac_api.policy.catalogue import Catalogue
from rbac_api.policy.cel import CelError
from rbac_api.policy.conditions import BASE_TYPES, AttributeType, compile_condition
from rbac_api.policy.entries import RoleEntry
from rbac_api.policy.model import Grant, Location, ResourceDef, RuleDef
from rbac_api.policy.object_entries import AttributeEntry, ResourceEntry, RuleEntry
from rbac_api.policy.problems import Problem

_TYPE_ALIASES = {"str": "string", "integer": "int", "boolean": "bool"}


def check_resources(entries: Iterable[ResourceEntry], problems: list[Problem]) -> dict[str, ResourceDef]:
    resources: dict[str, ResourceDef] = {}
    first: dict[str, Location] = {}
    for entry in entries:
        if entry.name in first:
            message = f"duplicate resource '{entry.name}' (first defined at {first[entry.name]})"
            problems.append(Problem(entry.location, message))
            continue
        first[entry.name] = entry.location
        attributes = {a.name: kind for a in entry.attributes if (kind := _type(a, problems)) is not None}
        organization = _organization(entry, attributes, problems)
        if organization is not None:  # a resource outside every organization has no organization: null
            attributes[organization] = AttributeType("string", nullable=True)
        resources[entry.name] = ResourceDef(
            entry.name, MappingProxyType(attributes), organization, entry.location
        )
    return resources


def _type(attribute: AttributeEntry, problems: list[Problem]) -> AttributeType | None:
    text = attribute.type.strip()
    nullable = text.endswith("?")
    base = text.rstrip("?").strip()
    base = _TYPE_ALIASES.get(base, base)
    if base not in BASE_TYPES or (nullable and base == "bool"):
        message = (
            f"attribute '{attribute.name}' has unknown type '{attribute.type}' (use int, string or bool; "
        )
        problems.append(Problem(attribute.location, message + "int? or string? when it can be null)"))
        return None
    return AttributeType(base, nullable)


def _organization(
    entry: ResourceEntry, attributes: Mapping[str, AttributeType], problems: list[Problem]
) -> str | None:
    name = entry.organization
    if name is None:
        return None
    declared = attributes.get(name)
    if declared is None or declared.base != "string":
        message = (
            f"'organization' of resource '{entry.name}' must name one of its string attributes; '{name}' is "
        )
        problems.append(
            Problem(
                entry.organization_location, message + ("not declared" if declared is None else str(declared))
            )
        )
        return None
    return name


def check_rules(
    entries: Iterable[RuleEntry],
    resources: Mapping[str, ResourceDef],
    roles: Mapping[str, RoleEntry],
    catalogue: Catalogue,
    problems: list[Problem],
) -> tuple[RuleDef, ...]:
    rules: list[RuleDef] = []
    first: dict[str, Location] = {}
    for entry in entries:
        if entry.name in first:
            message = f"duplicate rule '{entry.name}' (first defined at {first[entry.name]})"
            problems.append(Problem(entry.location, message))
            continue
        first[entry.name] = entry.location
        before = len(problems)
        rule = _rule(entry, resources, roles, catalogue, problems)
        if rule is not None and len(problems) == before:
            rules.append(rule)
    return tuple(rules)


def _rule(
    entry: RuleEntry,
    resources: Mapping[str, ResourceDef],
    roles: Mapping[str, RoleEntry],
    catalogue: Catalogue,
    problems: list[Problem],
) -> RuleDef | None:
    resource = resources.get(entry.resource)
    if resource is None:
        known = ", ".join(sorted(resources)) or "none declared under 'resources:'"
        message = f"rule '{entry.name}' is for unknown resource '{entry.resource}' (known: {known})"
        problems.append(Problem(entry.location, message))
        return None
    for name, location in entry.roles:
        if name not in roles:
            problems.append(Problem(location, f"rule '{entry.name}' names unknown role '{name}'"))
    grants = tuple(Grant(name, catalogue.expand(name), location) for name, location in entry.scopes)
    for grant in grants:
        if not grant.expands_to:
            message = (
                f"rule '{entry.name}' grants unknown scope '{grant.pattern}' (not in any 'scopes:' catalogue)"
            )
            problems.append(Problem(grant.location, message))
    condition = None
    if entry.when is not None:
        try:
            condition = compile_condition(entry.when, resource.attributes, resource.name)
        except CelError as error:
            message = f"rule '{entry.name}': {error.message} (column {error.column} of 'when')"
            problems.append(Problem(entry.when_location, message))
            return None
    scopes = frozenset().union(*(grant.expands_to for grant in grants))
    role_names = frozenset(name for name, _ in entry.roles)
    return RuleDef(entry.name, resource.name, role_names, grants, scopes, condition, entry.location)


def index_rules(rules: Iterable[RuleDef]) -> dict[tuple[str, str], tuple[RuleDef, ...]]:
    """(resource, scope) -> rules granting it, in file order: the engine's look-up per object decision."""
    index: dict[tuple[str, str], list[RuleDef]] = {}
    for rule in rules:
        for scope in sorted(rule.scopes):
            index.setdefault((rule.resource, scope), []).append(rule)
    return {key: tuple(found) for key, found in index.items()}
