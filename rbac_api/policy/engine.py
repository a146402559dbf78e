"""The one place where a scope check is decided, for REST and GraphQL alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from rbac_api.core.principal import Principal
from rbac_api.policy.conditions import Subject
from rbac_api.policy.filters import EVERYTHING, NOTHING, Filter, Within, all_of, any_of
from rbac_api.policy.model import Policy, RuleDef

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

    def decide_on(
        self, principal: Principal, scope: str, resource: str, attributes: Mapping[str, object]
    ) -> ObjectDecision:
        """May `principal` use `scope` on one object of type `resource` with `attributes`?

        Allowed by the first that grants it: a global role, a role held in the object's organization, or a
        rule (one of its roles held globally or in that organization, and its condition true). Rule grants
        stay within the token's scopes, like every other grant.
        """
        if scope in principal.scopes:
            return ObjectDecision(True, scope, GLOBAL)
        policy = self._policy
        found = policy.resources.get(resource)
        organization = found.organization if found is not None else None
        org = attributes.get(organization) if organization is not None else None
        membership = principal.memberships.get(org) if type(org) is str else None
        if membership is not None and scope in membership.scopes:
            return ObjectDecision(True, scope, ORGANIZATION, org)  # type: ignore[arg-type]
        rules = policy.rules_for.get((resource, scope))
        if not rules or scope not in principal.token_scopes:
            return ObjectDecision(False, scope, "")
        held = policy.held(principal.roles)
        held_there = policy.held(membership.roles) if membership is not None else _NOTHING
        subject: Subject | None = None
        for rule in rules:
            if rule.roles.isdisjoint(held) and rule.roles.isdisjoint(held_there):
                continue
            if rule.condition is not None:
                subject = subject or subject_of(principal)
                if not rule.condition.test(subject, attributes):
                    continue
            where = None if not rule.roles.isdisjoint(held) else org
            return ObjectDecision(True, scope, RULE, where, rule)  # type: ignore[arg-type]
        return ObjectDecision(False, scope, "")

    def filter_for(self, principal: Principal, scope: str, resource: str) -> Filter:
        """The objects of type `resource` that `decide_on` allows `principal` to use `scope` on, as a filter a
        database can run: EVERYTHING for a global grant, `org IN (...)` for organization grants, and each
        applicable rule's condition with the principal's values substituted."""
        if scope in principal.scopes:
            return EVERYTHING
        policy = self._policy
        found = policy.resources.get(resource)
        organization = found.organization if found is not None else None
        memberships = principal.memberships if organization is not None else {}
        parts: list[Filter] = []
        if organization is not None:
            parts.append(_within(organization, (o for o, m in memberships.items() if scope in m.scopes)))
        rules = policy.rules_for.get((resource, scope), ())
        if rules and scope in principal.token_scopes:
            held = policy.held(principal.roles)
            subject = subject_of(principal)
            for rule in rules:
                condition = rule.condition.residual(subject) if rule.condition is not None else EVERYTHING
                if not rule.roles.isdisjoint(held):
                    parts.append(condition)
                elif organization is not None:
                    orgs = (
                        o for o, m in memberships.items() if not rule.roles.isdisjoint(policy.held(m.roles))
                    )
                    parts.append(all_of([_within(organization, orgs), condition]))
        return any_of(parts)

    def may_reach(self, principal: Principal, scope: str) -> bool:
        """Whether the token was issued for `scope` at all: without it no grant on any object can apply, and a
        list or a creation is refused as under-scoped (403) rather than answered with nothing."""
        return scope in principal.scopes or scope in principal.token_scopes


#: How an object decision was granted (`ObjectDecision.via`).
GLOBAL, ORGANIZATION, RULE = "global role", "organization role", "rule"


class ObjectDecision(NamedTuple):
    """The answer on one object, with the grant that made it (allow-only, so every allow has one)."""

    allowed: bool
    scope: str
    #: GLOBAL, ORGANIZATION or RULE when allowed; "" when denied.
    via: str
    #: The organization whose membership granted it (ORGANIZATION, or a RULE matched through a membership).
    organization: str | None = None
    rule: RuleDef | None = None

    def __bool__(self) -> bool:
        return self.allowed


def subject_of(principal: Principal) -> Subject:
    """The principal as conditions read it. An id that is not a number (never issued) reads as -1, which no
    object's id equals: it must never read as null, which a missing owner would equal."""
    subject = principal.subject
    user_id = int(subject) if subject.isascii() and subject.isdigit() else -1
    return Subject(user_id, principal.username, principal.roles, principal.scopes)


def _within(attribute: str, organizations: Iterable[str]) -> Filter:
    values = tuple(sorted(organizations))
    return Within(attribute, values) if values else NOTHING
