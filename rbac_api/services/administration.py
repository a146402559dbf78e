"""Who may change whom, and who counts as an administrator, under the policy in force.

Turned into `ChangeRules` that the store checks inside each change's transaction.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rbac_api.store.change_rules import ChangeRules

if TYPE_CHECKING:  # the CLI imports this module; the runtime is built only by the commands that need it
    from rbac_api.core.principal import Principal
    from rbac_api.policy.model import Policy
    from rbac_api.runtime import Rbac

#: An administrator can create accounts and hand out roles; a change may not leave no enabled one.
ADMINISTRATOR_SCOPES = ("roles:assign", "users:write")


def administrator_roles(policy: Policy) -> tuple[frozenset[str], ...]:
    """For each administrator scope, the roles that grant it: an administrator holds one of each group.

    A role set grants the union of its roles' effective scopes, so this is exact.
    """
    return tuple(
        frozenset(name for name, role in policy.roles.items() if scope in role.effective_scopes)
        for scope in ADMINISTRATOR_SCOPES
    )


def operator_rules(policy: Policy) -> ChangeRules:
    """For the CLI (the operator's own tool) and for the caller's own profile: only the last-admin rule."""
    return ChangeRules(administrators=administrator_roles(policy))


def caller_rules(rbac: Rbac, principal: Principal, *, action: str) -> ChangeRules:
    """For a caller changing an account: the last-admin rule, and no acting on a superior account.

    `action` names the change in the denial log (`delete user bob`).
    """
    return ChangeRules(
        may_change=partial(require_superior, rbac, principal, action),
        administrators=administrator_roles(rbac.engine.policy),
    )


def require_superior(rbac: Rbac, principal: Principal, action: str, roles: frozenset[str]) -> None:
    """A caller may change an account only if it holds every scope the account's roles grant.

    The same rule, and the same 403, as for handing out a role: nobody acts on an account above them.
    """
    rbac.require(principal, rbac.engine.policy.granted(roles), target=action)
