"""The `resources:` and `rules:` sections of a policy file read into typed entries, shape problems reported.

Whether the names they use exist, and whether a condition type-checks, is `object_rules`' job: that needs
every file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rbac_api.policy.located import YamlMap, YamlSeq
from rbac_api.policy.located import kind_of as _kind
from rbac_api.policy.model import Location

RESOURCE_KEYS = ("attributes", "organization")
RULE_KEYS = ("name", "resource", "roles", "scopes", "when")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
RULE_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]*")

Report = Callable[[int, str], None]


@dataclass(frozen=True, slots=True)
class AttributeEntry:
    name: str
    type: str
    location: Location


@dataclass(frozen=True, slots=True)
class ResourceEntry:
    name: str
    attributes: tuple[AttributeEntry, ...]
    organization: str | None
    location: Location
    organization_location: Location


@dataclass(frozen=True, slots=True)
class RuleEntry:
    name: str
    resource: str
    roles: tuple[tuple[str, Location], ...]
    scopes: tuple[tuple[str, Location], ...]
    when: str | None
    when_location: Location
    location: Location


def read_resources(value: Any, line: int, path: str, report: Report) -> list[ResourceEntry]:
    if not isinstance(value, YamlMap):
        report(
            line, f"'resources' must be a mapping of resource type to its attributes; found {_kind(value)}"
        )
        return []
    found = []
    for key, body in value.items():
        key_line = value.key_line(key)
        if not (isinstance(key, str) and NAME_PATTERN.fullmatch(key)):
            report(key_line, f"malformed resource type '{key}': use lower-case letters, digits and '_'")
            continue
        found.append(_resource(key, body, key_line, path, report))
    return found


def _resource(name: str, body: Any, line: int, path: str, report: Report) -> ResourceEntry:
    location = Location(path, line)
    if not isinstance(body, YamlMap):
        report(line, f"resource '{name}' must be a mapping with keys {', '.join(RESOURCE_KEYS)}")
        return ResourceEntry(name, (), None, location, location)
    _unknown_keys(body, RESOURCE_KEYS, f" in resource '{name}'", report)
    attributes = body.get("attributes")
    entries: list[AttributeEntry] = []
    if not isinstance(attributes, YamlMap):
        where = body.key_line("attributes")
        report(
            where, f"resource '{name}' needs 'attributes', a mapping of attribute name to type (int, string)"
        )
    else:
        for key, kind in attributes.items():
            key_line = attributes.key_line(key)
            if not (isinstance(key, str) and NAME_PATTERN.fullmatch(key)):
                report(key_line, f"malformed attribute name '{key}' in resource '{name}'")
            elif not isinstance(kind, str):
                report(
                    key_line,
                    f"type of attribute '{key}' must be a name (int, string, bool); found {_kind(kind)}",
                )
            else:
                entries.append(AttributeEntry(key, kind, Location(path, key_line)))
    organization = body.get("organization")
    if organization is not None and not isinstance(organization, str):
        report(body.key_line("organization"), "'organization' must name an attribute of the resource")
        organization = None
    return ResourceEntry(
        name, tuple(entries), organization, location, Location(path, body.key_line("organization"))
    )


def read_rules(value: Any, line: int, path: str, report: Report) -> list[RuleEntry]:
    if not isinstance(value, YamlSeq):
        report(line, f"'rules' must be a list of rules (each starting with '- name:'); found {_kind(value)}")
        return []
    found = []
    for index, body in enumerate(value):
        item_line = value.item_line(index)
        if not isinstance(body, YamlMap):
            report(
                item_line, f"a rule must be a mapping with keys {', '.join(RULE_KEYS)}; found {_kind(body)}"
            )
            continue
        rule = _rule(body, item_line, path, report)
        if rule is not None:
            found.append(rule)
    return found


def _rule(body: YamlMap, line: int, path: str, report: Report) -> RuleEntry | None:
    name = body.get("name")
    if not (isinstance(name, str) and RULE_NAME_PATTERN.fullmatch(name)):
        report(body.key_line("name"), "a rule needs a 'name': lower-case letters, digits, '_' or '-'")
        return None
    _unknown_keys(body, RULE_KEYS, f" in rule '{name}'", report)
    resource = body.get("resource")
    if not isinstance(resource, str):
        report(body.key_line("resource"), f"rule '{name}' needs 'resource', the resource type it applies to")
        return None
    roles = _names(body, "roles", name, path, report)
    scopes = _names(body, "scopes", name, path, report)
    when = body.get("when")
    if when is not None and not isinstance(when, str):
        report(
            body.key_line("when"), f"'when' of rule '{name}' must be a condition in CEL; found {_kind(when)}"
        )
        return None
    location = Location(path, body.key_line("name"))
    return RuleEntry(name, resource, roles, scopes, when, Location(path, body.key_line("when")), location)


def _names(body: YamlMap, key: str, rule: str, path: str, report: Report) -> tuple[tuple[str, Location], ...]:
    value = body.get(key)
    if not isinstance(value, YamlSeq) or not value:
        report(body.key_line(key), f"rule '{rule}' needs '{key}', a non-empty list")
        return ()
    names = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            names.append((item, Location(path, value.item_line(index))))
        else:
            report(value.item_line(index), f"'{key}' of rule '{rule}' lists {_kind(item)}, not a name")
    return tuple(names)


def _unknown_keys(mapping: YamlMap, allowed: tuple[str, ...], where: str, report: Report) -> None:
    for key in mapping:
        if key not in allowed:
            report(mapping.key_line(key), f"unknown key '{key}'{where} (expected {', '.join(allowed)})")
