"""A checked policy turned into the immutable `Policy` the engine serves."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType

from rbac_api.policy.entries import RoleEntry
from rbac_api.policy.inheritance import accumulate
from rbac_api.policy.model import Grant, Policy, RoleDef, ScopeDef
from rbac_api.policy.object_rules import index_rules
from rbac_api.policy.parse import SourceFile
from rbac_api.policy.validate import CheckedPolicy


def compile_policy(checked: CheckedPolicy) -> Policy:
    """Build the `Policy`; only for a directory the checker found no error in.

    Effective scopes come from the checker's own role graph, so what is served is exactly what was checked.
    """
    if checked.default_role is None:
        raise ValueError("compile_policy needs a checked policy with a default role")
    scopes = {name: ScopeDef(e.name, e.description, e.location) for name, e in checked.scopes.items()}
    roles = {name: _role(role, checked) for name, role in checked.roles.items()}
    return Policy(
        scopes=MappingProxyType(scopes),
        roles=MappingProxyType(roles),
        default_role=checked.default_role,
        version=policy_version(checked.sources),
        loaded_at=datetime.now(UTC),
        files=tuple(source.path for source in checked.sources),
        resources=MappingProxyType(dict(checked.resources)),
        rules=checked.rules,
        implied=MappingProxyType(_implied_roles(checked)),
        rules_for=MappingProxyType(index_rules(checked.rules)),
    )


def _implied_roles(checked: CheckedPolicy) -> dict[str, frozenset[str]]:
    """Each role with every role it inherits from: the same walk as effective scopes, over role names."""
    graph = checked.graph
    return accumulate(graph.order, graph.parents, {name: frozenset((name,)) for name in graph.order})


def _role(role: RoleEntry, checked: CheckedPolicy) -> RoleDef:
    catalogue, graph = checked.catalogue, checked.graph
    return RoleDef(
        name=role.name,
        description=role.description,
        grants=tuple(Grant(ref.name, catalogue.expand(ref.name), ref.location) for ref in role.grants),
        inherits=tuple(dict.fromkeys(ref.name for ref in role.inherits)),
        location=role.location,
        scopes=graph.own[role.name],
        effective_scopes=graph.effective[role.name],
    )


def policy_version(sources: Sequence[SourceFile]) -> str:
    """A short digest of the files' names and bytes: equal versions mean the same policy text.

    Each part is length-prefixed so that moving bytes between a name and a file cannot give the same digest.
    """
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.name):
        for part in (source.name.encode(), source.data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()[:16]
