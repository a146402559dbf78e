"""The policies the benchmarks load: the shipped one, a generated large one, and pycasbin equivalents."""

from __future__ import annotations

import shutil
from pathlib import Path

import casbin

from rbac_api.policy import Policy

SHIPPED = Path(__file__).resolve().parent.parent / "policies"

RESOURCES = 500
ROLES = 1_000
GRANTS_PER_ROLE = 10
#: Roles 0-4, 5-9, ... each inherit the one before: chains five roles deep.
CHAIN = 5

#: The three roles of the benchmark principal, and a scope each policy grants them only by inheritance.
SMALL_ROLES = frozenset({"user", "auditor", "reader"})
SMALL_SCOPE = "profile:read"  # reader -> user
LARGE_ROLES = frozenset({"role4", "role9", "role14"})  # the tips of three 5-deep chains
LARGE_SCOPE = "res7:read"  # granted by role0 only, reached from role4 through four inherits

CASBIN_MODEL = """\
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
"""


def _own_grants(role: int) -> list[str]:
    grants = [f"res{(role * 7 + g) % RESOURCES}:read" for g in range(GRANTS_PER_ROLE - 1)]
    wildcard = f"res{role % RESOURCES}:*" if role % 3 == 0 else f"res{role % RESOURCES}:write"
    return [*grants, wildcard]


def write_large_policy(directory: Path, *, with_default_role: bool = True) -> Path:
    """1,000 roles, 10,000 grants (some wildcards), inheritance five deep, as YAML files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    scopes = ["scopes:"]
    for r in range(RESOURCES):
        scopes += [f"  res{r}:read: Read resource {r}", f"  res{r}:write: Write resource {r}"]
    roles = ["default_role: role0"] if with_default_role else []
    roles.append("roles:")
    for role in range(ROLES):
        roles += [f"  role{role}:", f"    description: Generated role {role}", "    scopes:"]
        roles += [f'      - "{grant}"' for grant in _own_grants(role)]
        if role % CHAIN:
            roles.append(f"    inherits: [role{role - 1}]")
    (directory / "large-scopes.yaml").write_text("\n".join(scopes) + "\n")
    (directory / "large-roles.yaml").write_text("\n".join(roles) + "\n")
    return directory


def write_combined_policy(directory: Path) -> Path:
    """The shipped policy plus the large one: a service whose users keep their roles, at the large size."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    return write_large_policy(directory, with_default_role=False)


def casbin_enforcer(policy: Policy, roles: frozenset[str], directory: Path) -> casbin.Enforcer:
    """pycasbin's RBAC model loaded (from its usual model + CSV files) with the same grants and inheritance.

    Each role's own grants (wildcards expanded) become `p` lines, each `inherits` a `g` line, and the user
    `alice` gets the benchmark principal's roles.
    """
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    for role in policy.roles.values():
        for scope in sorted(role.scopes):
            obj, _, act = scope.rpartition(":")
            lines.append(f"p, {role.name}, {obj}, {act}")
        lines += [f"g, {role.name}, {parent}" for parent in role.inherits]
    lines += [f"g, alice, {role}" for role in sorted(roles)]
    (directory / "model.conf").write_text(CASBIN_MODEL)
    (directory / "policy.csv").write_text("\n".join(lines) + "\n")
    return casbin.Enforcer(str(directory / "model.conf"), str(directory / "policy.csv"))
