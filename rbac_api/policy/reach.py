"""What a user's roles reach: the scopes a token may be issued for.

Every path that issues a token (the password and client-credentials grants, a refresh, a personal API
token, `rbac-api token issue`) asks this one function, so a user who is `editor` only in one organization
can still get a token carrying `documents:write`. Where a scope applies is decided per request: the
principal's global scopes come from the global roles only, and an organization's roles apply only through
`Principal.memberships`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rbac_api.policy.model import Policy


def reachable_scopes(
    policy: Policy, roles: frozenset[str], memberships: Mapping[str, frozenset[str]]
) -> frozenset[str]:
    """What the global `roles` grant, what the roles held in each organization grant there, and what the
    object rules of every role held (anywhere) grant on the objects they match.

    Rule scopes belong here because the engine applies a rule only within the token's scopes: without
    them a plain `user` could never use the owner rule on their own documents.

    `memberships` maps an organization's name to the roles held in it (`UserState.memberships`).
    """
    granted = policy.granted(roles)
    if memberships:
        granted = granted.union(*(policy.granted(held) for held in memberships.values()))
    if not policy.rules:
        return granted
    held = policy.held(roles).union(*(policy.held(there) for there in memberships.values()))
    return granted.union(*(rule.scopes for rule in policy.rules if not rule.roles.isdisjoint(held)))
