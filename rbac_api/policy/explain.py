"""Why a role holds a scope, and why a caller may or may not do something: `rbac-api policy explain`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rbac_api.core.principal import Principal
from rbac_api.policy.engine import GLOBAL, ORGANIZATION, PolicyEngine
from rbac_api.policy.model import Location, Policy, RuleDef
from rbac_api.policy.targets import Target, Verdict, decide


@dataclass(frozen=True, slots=True)
class Source:
    """One way a role comes to hold a scope: a grant written in `role`, reached through `path`."""

    scope: str
    role: str
    pattern: str
    location: Location
    #: From the role asked about to `role`, through `inherits`: ("editor", "reader", "user").
    path: tuple[str, ...]

    def describe(self) -> str:
        grant = f"'{self.pattern}'" if self.pattern == self.scope else f"'{self.pattern}' (wildcard)"
        through = f" via {' -> '.join(self.path)}" if len(self.path) > 1 else ""
        return f"{self.location}  {self.role} grants {grant}{through}"


def scope_sources(policy: Policy, role: str) -> dict[str, list[Source]]:
    """Every effective scope of `role`, each with every grant giving it, nearest role first."""
    sources: dict[str, list[Source]] = {}
    for path in _lineage(policy, role):
        definition = policy.roles[path[-1]]
        for grant in definition.grants:
            for scope in sorted(grant.expands_to):
                source = Source(scope, definition.name, grant.pattern, grant.location, path)
                sources.setdefault(scope, []).append(source)
    return dict(sorted(sources.items()))


def explain_role(policy: Policy, role: str) -> list[str]:
    """The role, what it inherits, and each effective scope with the grants that give it."""
    definition = policy.roles[role]
    lines = [f"role {role}: {definition.description} ({definition.location})"]
    inherited = [path[-1] for path in _lineage(policy, role)][1:]
    lines.append(f"inherits: {', '.join(inherited) if inherited else 'nothing'}")
    sources = scope_sources(policy, role)
    lines.append(f"effective scopes ({len(sources)}):")
    width = max((len(scope) for scope in sources), default=0)
    for scope, found in sources.items():
        lines += [f"  {scope:<{width}}  {source.describe()}" for source in found[:1]]
        lines += [f"  {'':<{width}}  {source.describe()}" for source in found[1:]]
    return lines


def explain_access(
    policy: Policy, principal: Principal, who: str, target: Target
) -> tuple[Verdict, list[str]]:
    """Allow or deny for `principal` on `target`, with what the target requires and where scopes come from."""
    verdict = decide(target, principal, policy)
    lines = [f"{who} on {target.name}: {'ALLOW' if verdict.allowed else 'DENY'}", f"  {target.describe()}"]
    lines += [f"  denied: {reason}" for reason in verdict.reasons]
    for scope in sorted(target.scopes):
        lines += _scope_lines(policy, principal, scope)
    return verdict, lines


def explain_scopes(
    policy: Policy, principal: Principal, who: str, scopes: Iterable[str]
) -> tuple[bool, list[str]]:
    """Allow when `principal` holds every one of `scopes`, with where each comes from or could come from."""
    wanted = sorted(set(scopes))
    missing = [scope for scope in wanted if scope not in principal.scopes]
    lines = [f"{who} asking for {', '.join(wanted)}: {'DENY' if missing else 'ALLOW'}"]
    if missing:
        lines.append(f"  denied: missing scopes {', '.join(missing)}")
    for scope in wanted:
        lines += _scope_lines(policy, principal, scope)
    return not missing, lines


def _scope_lines(policy: Policy, principal: Principal, scope: str) -> list[str]:
    if scope not in policy.scopes:
        return [f"  {scope}: not in the policy catalogue, so no role can grant it"]
    held = [
        s
        for role in sorted(principal.roles & set(policy.roles))
        for s in scope_sources(policy, role).get(scope, [])
    ]
    if held:
        return [f"  {scope}: {held[0].describe()}"]
    granting = sorted(name for name, role in policy.roles.items() if scope in role.effective_scopes)
    if not granting:
        return [f"  {scope}: no role grants it; add it to a role's 'scopes:'"]
    return [f"  {scope}: not held; granted by role(s) {', '.join(granting)} (rbac-api users set-roles)"]


def _lineage(policy: Policy, role: str) -> list[tuple[str, ...]]:
    """`role` and every role it inherits, each once, breadth first, with the path that reaches it."""
    seen, paths = {role}, []
    queue: deque[tuple[str, ...]] = deque([(role,)])
    while queue:
        path = queue.popleft()
        paths.append(path)
        for parent in policy.roles[path[-1]].inherits:
            if parent not in seen and parent in policy.roles:
                seen.add(parent)
                queue.append((*path, parent))
    return paths


def explain_object(
    engine: PolicyEngine,
    principal: Principal,
    who: str,
    scope: str,
    resource: ObjectRef,
) -> tuple[bool, list[str]]:
    """Allow or deny `scope` on one object, naming the grant or rule (with `file:line` and organization)
    that allows it, or every way it could have been allowed and why each did not apply."""
    policy = engine.policy
    decision = engine.decide_on(principal, scope, resource.type, resource.attributes)
    facts = ", ".join(f"{name} {value!r}" for name, value in sorted(resource.attributes.items()))
    lines = [
        f"{who} asking for {scope} on {resource}: {'ALLOW' if decision else 'DENY'}",
        f"  object: {facts}",
    ]
    if decision.via == GLOBAL:
        return True, [*lines, f"  granted by global {_roles_granting(policy, principal.roles, scope)}"]
    if decision.via == ORGANIZATION:
        held = principal.memberships[decision.organization or ""].roles
        granting = _roles_granting(policy, held, scope)
        return True, [*lines, f"  granted in organization {decision.organization!r} by {granting}"]
    if decision.rule is not None:
        rule, where = decision.rule, decision.organization
        held_in = f"held in organization {where!r}" if where else "held globally"
        condition = f", when {rule.condition.source}" if rule.condition is not None else ""
        grant = f"role {_rule_roles(rule.roles)} {held_in}{condition}"
        return True, [*lines, f"  granted by rule {rule.name} ({rule.location}): {grant}"]
    return False, lines + _denial_lines(engine, principal, scope, resource)


def _denial_lines(engine: PolicyEngine, principal: Principal, scope: str, resource: ObjectRef) -> list[str]:
    policy = engine.policy
    lines = [
        f"  no global role grants {scope}"
        + ("" if scope in principal.token_scopes else " (nor was the token issued for it)")
    ]
    declared = policy.resources.get(resource.type)
    organization = declared.organization if declared is not None else None
    org = resource.attributes.get(organization) if organization else None
    if isinstance(org, str):
        held = principal.memberships.get(org)
        roles = ", ".join(sorted(held.roles)) if held else "no role"
        lines.append(f"  in organization {org!r} the caller holds {roles}, granting no {scope}")
    rules = policy.rules_for.get((resource.type, scope), ())
    if not rules:
        lines.append(f"  no rule grants {scope} on {resource.type}")
    for rule in rules:
        why = _why_not(engine, principal, rule, org)
        lines.append(f"  rule {rule.name} ({rule.location}) did not apply: {why}")
    return lines


def _why_not(engine: PolicyEngine, principal: Principal, rule: RuleDef, org: object) -> str:
    policy = engine.policy
    membership = principal.memberships.get(org) if isinstance(org, str) else None
    held = policy.held(principal.roles) | (policy.held(membership.roles) if membership else frozenset())
    if rule.roles.isdisjoint(held):
        return f"needs role {_rule_roles(rule.roles)}, held globally or in the object's organization"
    if rule.condition is not None:
        return f"its condition is false: {rule.condition.source}"
    return "the token was not issued for the scope"


def _roles_granting(policy: Policy, roles: frozenset[str], scope: str) -> str:
    granting = sorted(
        name for name in roles if name in policy.roles and scope in policy.roles[name].effective_scopes
    )
    found = [s for name in granting for s in scope_sources(policy, name).get(scope, [])][:1]
    return f"role {', '.join(granting)}" + (f" ({found[0].describe()})" if found else "")


def _rule_roles(roles: frozenset[str]) -> str:
    return " or ".join(sorted(roles))


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An object a question is about: `document:42` with the attributes the policy reads."""

    type: str
    id: str
    attributes: Mapping[str, object]

    def __str__(self) -> str:
        return f"{self.type}:{self.id}"
