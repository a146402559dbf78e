"""A policy the size of a large organisation still loads, with every role's scopes right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rbac_api.policy import load_policy

WritePolicy = Callable[[str, str], Path]

RESOURCES = 500
ROLES = 1000
GRANTS_PER_ROLE = 10
CHAIN = 5  # roles 0-4, 5-9, ... each inherit the one before them: five levels deep


def own_grants(role: int) -> list[str]:
    grants = [f"res{(role * 7 + g) % RESOURCES}:read" for g in range(GRANTS_PER_ROLE - 1)]
    wildcard = f"res{role % RESOURCES}:*" if role % 3 == 0 else f"res{role % RESOURCES}:write"
    return [*grants, wildcard]


def parent(role: int) -> int | None:
    return role - 1 if role % CHAIN else None


def expected_effective(role: int) -> set[str]:
    scopes: set[str] = set()
    current: int | None = role
    while current is not None:
        for grant in own_grants(current):
            name = grant.removesuffix(":*")
            scopes.update({f"{name}:read", f"{name}:write"} if grant.endswith(":*") else {grant})
        current = parent(current)
    return scopes


def large_policy_text() -> tuple[str, str]:
    scopes = ["scopes:"]
    for r in range(RESOURCES):
        scopes += [f"  res{r}:read: Read resource {r}", f"  res{r}:write: Write resource {r}"]
    roles = ["default_role: role0", "roles:"]
    for role in range(ROLES):
        roles += [f"  role{role}:", f"    description: Generated role {role}", "    scopes:"]
        roles += [f'      - "{grant}"' for grant in own_grants(role)]
        if (up := parent(role)) is not None:
            roles.append(f"    inherits: [role{up}]")
    return "\n".join(scopes) + "\n", "\n".join(roles) + "\n"


def test_large_policy_loads_with_correct_effective_scopes(
    policy_dir: Path, write_policy: WritePolicy
) -> None:
    scopes_text, roles_text = large_policy_text()
    write_policy("scopes.yaml", scopes_text)
    write_policy("roles.yaml", roles_text)
    policy = load_policy(policy_dir)
    assert len(policy.roles) == ROLES
    assert sum(len(role.grants) for role in policy.roles.values()) == ROLES * GRANTS_PER_ROLE
    for number in range(ROLES):
        assert policy.roles[f"role{number}"].effective_scopes == expected_effective(number), number
