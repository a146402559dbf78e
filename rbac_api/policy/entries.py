"""One parsed policy file read into typed entries, with every shape problem (wrong key, wrong type) reported.

Names are checked against the grammar here; whether they refer to anything is `validate`'s job, because
that needs every file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rbac_api.policy.located import YamlMap, YamlSeq
from rbac_api.policy.located import kind_of as _kind
from rbac_api.policy.model import ROLE_PATTERN, SCOPE_PATTERN, WILDCARD_PATTERN, Location
from rbac_api.policy.object_entries import ResourceEntry, RuleEntry, read_resources, read_rules
from rbac_api.policy.parse import SourceFile
from rbac_api.policy.problems import Problem

TOP_LEVEL_KEYS = ("default_role", "roles", "scopes", "resources", "rules")
ROLE_KEYS = ("description", "inherits", "scopes")
SCOPE_GRAMMAR = "lower-case words (letters, digits, '_', '-') joined by ':', such as 'users:read'"
ROLE_GRAMMAR = "lower-case letters, digits, '_' or '-', starting with a letter, such as 'admin'"


@dataclass(frozen=True, slots=True)
class Ref:
    """A name as written (a grant, an inherited role, the default role) and where it was written."""

    name: str
    location: Location


@dataclass(frozen=True, slots=True)
class ScopeEntry:
    name: str
    description: str
    location: Location


@dataclass(frozen=True, slots=True)
class RoleEntry:
    name: str
    description: str
    grants: tuple[Ref, ...]
    inherits: tuple[Ref, ...]
    location: Location
    #: A problem in its scopes or inherits was already reported, so granting nothing is no news.
    flawed: bool = False


@dataclass
class FileEntries:
    scopes: list[ScopeEntry] = field(default_factory=list)
    roles: list[RoleEntry] = field(default_factory=list)
    default_role: Ref | None = None
    resources: list[ResourceEntry] = field(default_factory=list)
    rules: list[RuleEntry] = field(default_factory=list)


def read_entries(source: SourceFile) -> tuple[FileEntries, list[Problem]]:
    """Typed entries of one file; entries with problems are kept when that avoids follow-on errors."""
    reader = _FileReader(source.path)
    return reader.read(source.document), reader.problems


class _FileReader:
    """Walks one document, collecting problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def read(self, document: Any) -> FileEntries:
        entries = FileEntries()
        if document is None:
            return entries
        if not isinstance(document, YamlMap):
            line = document.line if isinstance(document, YamlSeq) else 1
            expected = f"expected a mapping with keys {_listing(TOP_LEVEL_KEYS)}"
            self._report(line, f"{expected}; found {_kind(document)}")
            return entries
        self._unknown_keys(document, TOP_LEVEL_KEYS, "")
        if "scopes" in document:
            entries.scopes = self._scopes(document["scopes"], _key_line(document, "scopes"))
        if "roles" in document:
            entries.roles = self._roles(document["roles"], _key_line(document, "roles"))
        if "default_role" in document:
            line = _key_line(document, "default_role")
            entries.default_role = self._default_role(document["default_role"], line)
        if "resources" in document:
            line = _key_line(document, "resources")
            entries.resources = read_resources(document["resources"], line, self.path, self._report)
        if "rules" in document:
            entries.rules = read_rules(
                document["rules"], _key_line(document, "rules"), self.path, self._report
            )
        return entries

    def _report(self, line: int, message: str) -> None:
        self.problems.append(Problem(Location(self.path, line), message))

    def _unknown_keys(self, mapping: YamlMap, allowed: tuple[str, ...], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                message = f"unknown key '{key}'{where} (expected {_listing(allowed)})"
                self._report(_key_line(mapping, key), message)

    def _mapping(self, value: Any, line: int, what: str) -> YamlMap:
        if value is None:
            return YamlMap(line)
        if isinstance(value, YamlMap):
            return value
        self._report(line, f"{what}; found {_kind(value)}")
        return YamlMap(line)

    def _name(self, key: Any, pattern: re.Pattern[str], line: int, kind: str, grammar: str) -> str | None:
        name = str(key)
        if isinstance(key, str) and pattern.fullmatch(key):
            return name
        self._report(line, f"malformed {kind} name '{name}': use {grammar}")
        return None

    def _description(self, value: Any, line: int, owner: str) -> str:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is None or isinstance(value, str):
            self._report(line, f"{owner} has an empty description")
        else:
            self._report(line, f"description of {owner} must be text; found {_kind(value)}")
        return ""

    def _scopes(self, value: Any, line: int) -> list[ScopeEntry]:
        mapping = self._mapping(value, line, "'scopes' must be a mapping of scope name to description")
        scopes = []
        for key, description in mapping.items():
            key_line = _key_line(mapping, key)
            name = self._name(key, SCOPE_PATTERN, key_line, "scope", SCOPE_GRAMMAR)
            if name is not None:
                text = self._description(description, key_line, f"scope '{name}'")
                scopes.append(ScopeEntry(name, text, Location(self.path, key_line)))
        return scopes

    def _roles(self, value: Any, line: int) -> list[RoleEntry]:
        mapping = self._mapping(value, line, "'roles' must be a mapping of role name to role")
        return [self._role(key, body, _key_line(mapping, key)) for key, body in mapping.items()]

    def _role(self, key: Any, body: Any, line: int) -> RoleEntry:
        # A malformed name is reported but the role is kept, so roles inheriting it are not reported too.
        self._name(key, ROLE_PATTERN, line, "role", ROLE_GRAMMAR)
        name, location = str(key), Location(self.path, line)
        if body is not None and not isinstance(body, YamlMap):
            what = f"role '{name}' must be a mapping with keys {_listing(ROLE_KEYS)}"
            self._report(line, f"{what}; found {_kind(body)}")
            return RoleEntry(name, "", (), (), location, flawed=True)
        body = body if body is not None else YamlMap(line)
        self._unknown_keys(body, ROLE_KEYS, f" in role '{name}'")
        description = self._role_description(name, body, line)
        problems_before = len(self.problems)
        grants = self._grants(name, body)
        inherits = self._refs(name, body, "inherits", "role name")
        flawed = len(self.problems) > problems_before
        return RoleEntry(name, description, grants, inherits, location, flawed=flawed)

    def _role_description(self, name: str, body: YamlMap, role_line: int) -> str:
        if "description" not in body:
            self._report(role_line, f"role '{name}' has no description")
            return ""
        return self._description(body["description"], _key_line(body, "description"), f"role '{name}'")

    def _grants(self, role: str, body: YamlMap) -> tuple[Ref, ...]:
        grants = []
        for ref in self._refs(role, body, "scopes", "scope name"):
            if "*" not in ref.name or WILDCARD_PATTERN.fullmatch(ref.name):
                grants.append(ref)
            elif ref.name == "*":
                message = f"'*' alone is not allowed in role '{role}': use a prefix such as 'users:*'"
                self._report(ref.location.line, message)
            else:
                message = f"malformed wildcard '{ref.name}' in role '{role}': use a scope prefix and ':*'"
                self._report(ref.location.line, f"{message}, such as 'users:*'")
        return tuple(grants)

    def _refs(self, role: str, body: YamlMap, key: str, what: str) -> tuple[Ref, ...]:
        value = body.get(key)
        if value is None:
            return ()
        if not isinstance(value, YamlSeq):
            expected = f"'{key}' of role '{role}' must be a list of {what}s"
            self._report(_key_line(body, key), f"{expected}; found {_kind(value)}")
            return ()
        refs = []
        for index, item in enumerate(value):
            line = value.item_line(index)
            if isinstance(item, str):
                refs.append(Ref(item, Location(self.path, line)))
            else:
                hint = " (a space after ':' makes 'a: b' a mapping)" if isinstance(item, YamlMap) else ""
                self._report(line, f"'{key}' of role '{role}' lists {_kind(item)}, not a {what}{hint}")
        return tuple(refs)

    def _default_role(self, value: Any, line: int) -> Ref | None:
        if isinstance(value, str) and value:
            return Ref(value, Location(self.path, line))
        self._report(line, f"default_role must be a role name; found {_kind(value)}")
        return None


def _key_line(mapping: YamlMap, key: Any) -> int:
    return mapping.key_line(key)


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(names)
