"""What each REST route and GraphQL field demands of a caller, as data the policy tools reason about.

Built from the running code by `rbac_api.guarded`; kept free of any web framework so that policy tests,
explain and diff work on it as plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rbac_api.policy.engine import Decision
from rbac_api.policy.model import Location
from rbac_api.principal import Principal

_NOTHING: frozenset[str] = frozenset()
_PARAMETER = re.compile(r"\{([^}:]+)(?::(\w+))?\}")
_SEGMENTS = {"path": ".+"}


@dataclass(frozen=True, slots=True)
class Target:
    """A REST route (`GET /users/{username}`) or a GraphQL field (`User.email`) and what it demands.

    `authenticated` means a valid token is needed; `required` adds scopes to that. `public` is the reason
    given in code for leaving it open. A target that is neither is unguarded: the service refuses to start
    with one, and every decision about it is a denial.
    """

    kind: Literal["route", "field"]
    name: str
    required: frozenset[str] = _NOTHING
    authenticated: bool = False
    public: str | None = None
    location: Location | None = None

    @property
    def guarded(self) -> bool:
        return self.authenticated or self.public is not None

    def describe(self) -> str:
        if self.required:
            return f"requires {', '.join(sorted(self.required))}"
        if self.authenticated:
            return "requires a valid token (no scope)"
        if self.public is not None:
            return f"public ({self.public})"
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


def _path_pattern(template: str) -> re.Pattern[str]:
    """`/users/{username}` as a regular expression; a `{name:path}` parameter may span several segments."""
    parts, end = [], 0
    for parameter in _PARAMETER.finditer(template):
        parts += [re.escape(template[end : parameter.start()]), _SEGMENTS.get(parameter.group(2), "[^/]+")]
        end = parameter.end()
    return re.compile("".join([*parts, re.escape(template[end:])]))


def decide(target: Target, principal: Principal) -> Decision:
    """What the service answers `principal` on `target`: the same rule the REST and GraphQL guards apply."""
    if target.authenticated:
        if not principal.is_authenticated:
            return Decision(False, target.required, target.required)
        missing = target.required - principal.scopes
        return Decision(not missing, target.required, missing)
    return Decision(target.public is not None, _NOTHING, _NOTHING)


def find_target(targets: Iterable[Target], request: str) -> Target | None:
    """The target named `request`, or the route whose path template matches it."""
    candidates = list(targets)
    exact = next((t for t in candidates if t.name == request), None)
    return exact or next((t for t in candidates if t.matches(request)), None)
