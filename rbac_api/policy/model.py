"""Compiled policy data: immutable, so a check is a set operation and a reload is one reference swap."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from rbac_api.policy.conditions import AttributeType, Condition

#: One grammar for scope names, checked when policies load and when clients ask for scopes:
#: lower-case segments separated by `:` (`users:read`, `billing:invoices:write`).
SCOPE_PATTERN = re.compile(r"[a-z][a-z0-9_-]*(?::[a-z][a-z0-9_-]*)+")
#: A grant may end in `:*`, expanded against the catalogue (`users:*`).
WILDCARD_PATTERN = re.compile(r"[a-z][a-z0-9_-]*(?::[a-z][a-z0-9_-]*)*:\*")
ROLE_PATTERN = re.compile(r"[a-z][a-z0-9_-]*")


def is_scope_name(text: str) -> bool:
    return SCOPE_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class ScopeDef:
    name: str
    description: str
    location: Location


@dataclass(frozen=True, slots=True)
class Grant:
    """One entry of a role's `scopes:` list, as written (`users:*`), with what it expanded to."""

    pattern: str
    expands_to: frozenset[str]
    location: Location


@dataclass(frozen=True, slots=True)
class RoleDef:
    name: str
    description: str
    grants: tuple[Grant, ...]
    inherits: tuple[str, ...]
    location: Location
    #: The role's own grants, wildcards expanded.
    scopes: frozenset[str]
    #: Own plus everything inherited, transitively.
    effective_scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class ResourceDef:
    """A resource type rules may be written for: its typed attributes and the one naming its organization."""

    name: str
    attributes: Mapping[str, AttributeType]
    #: The attribute holding the owning organization's name (None: the type belongs to no organization).
    organization: str | None
    location: Location


@dataclass(frozen=True, slots=True)
class RuleDef:
    """Holders of one of `roles` (globally, or in the object's organization) get `scopes` on objects of
    `resource` for which `condition` holds (every object when there is none). Allow-only: rules add grants."""

    name: str
    resource: str
    roles: frozenset[str]
    #: As written, and expanded against the catalogue.
    grants: tuple[Grant, ...]
    scopes: frozenset[str]
    condition: Condition | None
    location: Location


_MEMO_LIMIT = 4096
_NO_RESOURCES: Mapping[str, ResourceDef] = MappingProxyType({})
_NO_ROLES: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Policy:
    """A whole, validated policy. Never mutated: hot reload builds a new one and swaps the reference."""

    scopes: Mapping[str, ScopeDef]
    roles: Mapping[str, RoleDef]
    default_role: str
    version: str
    loaded_at: datetime
    files: tuple[str, ...]
    resources: Mapping[str, ResourceDef] = field(default_factory=lambda: _NO_RESOURCES)
    rules: tuple[RuleDef, ...] = ()
    #: Each role and every role it inherits from, transitively: holding `editor` is holding `reader`.
    implied: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    #: (resource type, scope) -> the rules that can grant it, in file order.
    rules_for: Mapping[tuple[str, str], tuple[RuleDef, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _granted_memo: dict[frozenset[str], frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def granted(self, roles: frozenset[str]) -> frozenset[str]:
        """Union of the effective scopes of `roles`; unknown role names grant nothing (fail closed).

        Memoised per role set: users share a handful of role combinations, and this runs on every
        authentication. The memo is bounded so arbitrary role sets cannot grow it without limit.
        """
        found = self._granted_memo.get(roles)
        if found is not None:
            return found
        result: frozenset[str] = frozenset().union(
            *(self.roles[name].effective_scopes for name in roles if name in self.roles)
        )
        if len(self._granted_memo) >= _MEMO_LIMIT:
            self._granted_memo.clear()
        self._granted_memo[roles] = result
        return result

    def grants_of(self, roles: Iterable[str]) -> frozenset[str]:
        return self.granted(frozenset(roles))

    def held(self, roles: frozenset[str]) -> frozenset[str]:
        """`roles` with every role they inherit from: what a rule's `roles:` is matched against."""
        if len(roles) == 1:
            (name,) = roles
            return self.implied.get(name, _NO_ROLES)
        return _NO_ROLES.union(*(self.implied.get(name, _NO_ROLES) for name in roles))
