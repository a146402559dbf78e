"""Why a role holds a scope, and why a caller may or may not do something: `rbac-api policy explain`."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from rbac_api.core.principal import Principal
from rbac_api.policy.model import Location, Policy
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
