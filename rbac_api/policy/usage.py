"""The code against the policy: every scope the code requires exists, every scope is required somewhere."""

from __future__ import annotations

from collections.abc import Iterable

from rbac_api.policy.model import Location, Policy
from rbac_api.policy.problems import Problem
from rbac_api.policy.targets import Target

#: Where a problem points when the code gave no source location.
UNKNOWN_CODE = Location("<code>", 0)

_FIXES = {
    "route": "add Security(current_principal, scopes=[...]) or openapi_extra=public_route('why')",
    "field": "add permission_classes=[...] (AllowAny to make it public on purpose)",
}


def usage_problems(targets: Iterable[Target], policy: Policy) -> list[Problem]:
    """Errors for scopes and roles the code names but the policy lacks (nobody could pass that guard);
    warnings, at the catalogue entry, for scopes nothing requires (granting them does nothing)."""
    targets = list(targets)
    problems = [
        Problem(
            target.location or UNKNOWN_CODE,
            f"{target.name} requires scope '{scope}', which the policy does not define: "
            "add it to a 'scopes:' catalogue or fix the spelling in the code",
        )
        for target in targets
        for scope in sorted(target.scopes)
        if scope not in policy.scopes
    ]
    problems += [
        Problem(
            target.location or UNKNOWN_CODE,
            f"{target.name} requires role '{role}', which the policy does not define: "
            "add the role or fix the spelling in the code",
        )
        for target in targets
        for role in sorted(target.roles)
        if role not in policy.roles
    ]
    problems += [
        Problem(target.location or UNKNOWN_CODE, _undeclared_resource(target.name, check.resource))
        for target in targets
        for check in target.checks
        if check.kind == "object_scopes" and check.resource not in policy.resources
    ]
    used = frozenset().union(*(target.scopes for target in targets))
    problems += [
        Problem(
            scope.location,
            f"scope '{name}' is required by no route or GraphQL field: "
            "protect something with it, or remove it",
            severity="warning",
        )
        for name, scope in policy.scopes.items()
        if name not in used
    ]
    return problems


def _undeclared_resource(name: str, resource: str) -> str:
    if not resource:
        return (
            f"{name} decides on an object without naming its resource type: give the object's type an "
            "`rbac_resource` attribute, or pass resource= to the check"
        )
    return (
        f"{name} decides on resource type '{resource}', which the policy does not declare: "
        "add it under 'resources:' or fix the spelling in the code"
    )


def unguarded_problems(targets: Iterable[Target]) -> list[Problem]:
    """One error per route or field that neither demands a token nor is marked public in code."""
    return [
        Problem(
            target.location or UNKNOWN_CODE,
            f"{'route' if target.kind == 'route' else 'GraphQL field'} {target.name} is neither guarded "
            f"nor marked public: {_FIXES[target.kind]}",
        )
        for target in targets
        if not target.guarded
    ]
