"""What each REST route and GraphQL field demands of a caller, as data the policy tools reason about.

Built from the running code by `rbac_api.rest.targets` and `rbac_api.graphql.targets`; kept free of any
web framework so that policy tests, explain and diff work on it as plain data, with the same rules the
REST dependency and the GraphQL permission classes apply.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from rbac_api.core.principal import Membership, Principal
from rbac_api.policy.definitions import definition
from rbac_api.policy.model import Location, Policy
from rbac_api.policy.reach import reachable_scopes

_NOTHING: frozenset[str] = frozenset()
_PARAMETER = re.compile(r"\{([^}:]+)(?::(\w+))?\}")
_SEGMENTS = {"path": ".+"}

CheckKind = Literal[
    "token",
    "scopes",
    "any_scope",
    "any_role",
    "self_or_scopes",
    "org_scopes",
    "member_or_scopes",
    "object_scopes",
]
#: Kinds the tools read as the global scopes they name: `scopes`, and the kinds whose answer depends on the
#: object (the caller's own account, an organization), as seen by a caller who is not its owner or member.
_SCOPES_KINDS = frozenset({"scopes", "self_or_scopes", "org_scopes", "member_or_scopes", "object_scopes"})


@dataclass(frozen=True, slots=True)
class Check:
    """One condition a caller must meet. Every check of a target must pass; each needs a valid token."""

    kind: CheckKind
    names: frozenset[str] = _NOTHING
    #: For `object_scopes`: the policy resource type decided on (`document`).
    resource: str = ""

    def describe(self) -> str:
        names = ", ".join(sorted(self.names))
        return {
            "token": "a valid token",
            "scopes": f"scopes {names}",
            "any_scope": f"one of the scopes {names}",
            "any_role": f"one of the roles {names}",
            "self_or_scopes": f"scopes {names} (unless the object is the caller's own)",
            "org_scopes": f"scopes {names}, held globally or in the organization",
            "member_or_scopes": f"scopes {names} (unless the caller is a member of the organization)",
            "object_scopes": f"scopes {names} on each {self.resource} (global, organization or rule grant)",
        }[self.kind]

    def failure(self, principal: Principal, policy: Policy) -> str | None:
        """Why `principal` fails this check, or None when it passes (`self_or`: as seen by a non-owner;
        the organization kinds: as seen from outside the organization)."""
        if self.kind in _SCOPES_KINDS:
            missing = self.names - principal.scopes
            return f"missing scopes {', '.join(sorted(missing))}" if missing else None
        if self.kind == "any_scope":
            return None if self.names & principal.scopes else f"holds none of {', '.join(sorted(self.names))}"
        if self.kind == "any_role":
            # As the engine decides: a role counts only while the policy in force defines it.
            if any(name in policy.roles for name in self.names & principal.roles):
                return None
            return f"has none of the roles {', '.join(sorted(self.names))}"
        return None


@dataclass(frozen=True, slots=True)
class Target:
    """A REST route (`GET /users/{username}`) or a GraphQL field (`User.email`) and what it demands.

    `public` is the reason given in code for leaving it open. A nested GraphQL field without permissions
    of its own is `via_parent`: only reachable through the (guarded) field returning its object. Anything
    else without checks is unguarded: the service refuses to start with one, and every decision on it is
    a denial.
    """

    kind: Literal["route", "field"]
    name: str
    checks: tuple[Check, ...] = ()
    public: str | None = None
    location: Location | None = None
    via_parent: bool = False

    @property
    def guarded(self) -> bool:
        return bool(self.checks) or self.public is not None or self.via_parent

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope any check names."""
        return _NOTHING.union(*(c.names for c in self.checks if c.kind != "any_role"))

    @property
    def roles(self) -> frozenset[str]:
        return _NOTHING.union(*(c.names for c in self.checks if c.kind == "any_role"))

    def describe(self) -> str:
        if self.checks:
            needs = [c.describe() for c in self.checks if c.kind != "token"] or ["a valid token"]
            return "requires " + " and ".join(needs)
        if self.public is not None:
            return f"public ({self.public})"
        if self.via_parent:
            return "no guard of its own: as guarded as the fields that return its object"
        return "unguarded"

    def matches(self, request: str) -> bool:
        """True for the target's own name, and for a route, for a concrete path such as `GET /users/ann`."""
        if request == self.name:
            return True
        if self.kind != "route":
            return False
        method, _, template = self.name.partition(" ")
        asked_method, _, path = request.partition(" ")
        return asked_method.upper() == method and _path_pattern(template).fullmatch(path) is not None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one principal on one target, with every reason when it is no."""

    allowed: bool
    reasons: tuple[str, ...] = ()


def decide(target: Target, principal: Principal, policy: Policy) -> Verdict:
    """What the service answers `principal` on `target` under `policy`: the rules the guards apply."""
    if not target.checks:
        if target.public is not None:
            return Verdict(True)
        why = "no guard of its own: ask about the field returning it" if target.via_parent else "unguarded"
        return Verdict(False, (why,))
    if not principal.is_authenticated:
        return Verdict(False, ("needs a valid token",))
    reasons = tuple(r for check in target.checks if (r := check.failure(principal, policy)) is not None)
    return Verdict(not reasons, reasons)


def principal_with(
    roles: frozenset[str] | None,
    policy: Policy,
    *,
    username: str = "",
    subject: str = "0",
    memberships: Mapping[str, frozenset[str]] | None = None,
) -> Principal:
    """A caller holding `roles` (and the roles of `memberships` in their organizations) with every scope
    they grant: a token asked for all. None: anonymous."""
    if roles is None:
        return Principal.anonymous()
    held = memberships or {}
    token = reachable_scopes(policy, roles, held)
    return Principal(
        subject=subject,
        username=username,
        roles=roles,
        scopes=policy.granted(roles),
        token_id="",
        expires_at=0,
        memberships={org: Membership(there, policy.granted(there)) for org, there in held.items()},
        token_scopes=token,
    )


def find_target(targets: Iterable[Target], request: str) -> Target | None:
    """The target named `request`, or the route whose path template matches it."""
    candidates = list(targets)
    exact = next((t for t in candidates if t.name == request), None)
    return exact or next((t for t in candidates if t.matches(request)), None)


def code_location(thing: object) -> Location | None:
    """Where a function or class is defined (its first decorator line), relative to the working directory."""
    try:
        found = _definition(thing)
    except TypeError:  # unhashable, so not a function or class: looked up without the cache
        found = _definition.__wrapped__(thing)
    if found is None:
        return None
    source, line = found
    relative = _relative(source, os.getcwd())
    return Location(source if relative.startswith("..") else relative, line)


@functools.lru_cache(maxsize=4096)
def _relative(source: str, directory: str) -> str:
    """`source` relative to `directory`: ~190 paths an app, each worked out once per working directory."""
    return os.path.relpath(source, directory)


@functools.lru_cache(maxsize=4096)
def _definition(thing: object) -> tuple[str, int] | None:
    """The source file and first line of `thing`, found once per function or class.

    Even found cheaply (`definition`), that is most of what `create_app` cost before this cache, paid again
    by every app built in one process (each test, each `policy` command). A definition does not move while
    the process runs.
    """
    return definition(thing)


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/users/{username}` as a regular expression; a `{name:path}` parameter may span several segments."""
    parts, end = [], 0
    for parameter in _PARAMETER.finditer(template):
        parts += [re.escape(template[end : parameter.start()]), _SEGMENTS.get(parameter.group(2), "[^/]+")]
        end = parameter.end()
    return re.compile("".join([*parts, re.escape(template[end:])]))
