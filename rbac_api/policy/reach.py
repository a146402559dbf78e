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
    """What the global `roles` grant, and what the roles held in each organization grant there.

    `memberships` maps an organization's name to the roles held in it (`UserState.memberships`).
    """
    granted = policy.granted(roles).union(*(policy.granted(held) for held in memberships.values()))
    return granted | rule_scopes(policy, roles.union(*memberships.values()))


def rule_scopes(policy: Policy, roles: frozenset[str]) -> frozenset[str]:
    """The scopes of every object rule one of `roles` (or a role they inherit) satisfies: a `user` who may
    edit their own documents by rule needs a token that carries `documents:write`."""
    if not policy.rules:
        return frozenset()
    held = policy.held(roles)
    return frozenset().union(*(rule.scopes for rule in policy.rules if not rule.roles.isdisjoint(held)))
