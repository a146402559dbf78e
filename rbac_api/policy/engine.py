"""The one place where a scope check is decided, for REST and GraphQL alike."""

from __future__ import annotations

from typing import NamedTuple

from rbac_api.core.principal import Principal
from rbac_api.policy.model import Policy

_NOTHING: frozenset[str] = frozenset()


class Decision(NamedTuple):
    """The answer to "may this principal do that?", with the reason when it is no.

    A NamedTuple rather than a dataclass: it is built on every check and must stay cheap.
    """

    allowed: bool
    required: frozenset[str]
    missing: frozenset[str]

    def __bool__(self) -> bool:
        return self.allowed


class PolicyEngine:
    """Holds the policy in force and answers checks against it.

    The policy is replaced as a whole (`swap`), so a request sees either the old or the new one, never a
    mixture.
    """

    __slots__ = ("_policy",)

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    @property
    def policy(self) -> Policy:
        return self._policy

    def swap(self, policy: Policy) -> Policy:
        """Put `policy` in force; returns the one it replaced."""
        old, self._policy = self._policy, policy
        return old

    def granted(self, roles: frozenset[str]) -> frozenset[str]:
        """What `roles` grant under the policy in force."""
        return self._policy.granted(roles)

    def check(self, principal: Principal, required: frozenset[str]) -> Decision:
        """Allow when `principal` holds every scope in `required`: always for an empty `required` (all of
        none is held, as `all([])` is true), which is why a route that asks for no scope asks only for a
        token, and GraphQL's `can(scopes: [])` is true."""
        held = principal.scopes
        if required <= held:
            return Decision(True, required, _NOTHING)
        return Decision(False, required, required - held)

    def check_role(self, principal: Principal, roles: frozenset[str]) -> bool:
        """True when `principal` holds one of `roles` that the policy in force still defines."""
        held = principal.roles & roles
        return bool(held) and any(name in self._policy.roles for name in held)

    def check_any(self, principal: Principal, candidates: frozenset[str]) -> Decision:
        """Allow when `principal` holds at least one scope in `candidates`."""
        if not candidates or candidates.isdisjoint(principal.scopes):
            return Decision(False, candidates, candidates)
        return Decision(True, candidates, _NOTHING)
