"""Organizations and memberships, shared by REST and GraphQL: who sees and who changes what.

Visibility: a caller sees the organizations they are a member of, and every one with `orgs:read`
(global). One they may not see is not found, exactly like one that does not exist. Managing members needs
`members:assign`, held globally or in that organization, and no escalation: a caller gives or takes away
only roles whose scopes they hold, globally or in that organization (the rule of global role assignment,
with the caller's scopes there). A change applies to the member's next request on this instance, and
within `RBAC_USER_CACHE_SECONDS` on the others.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import anyio

from rbac_api.core.errors import InvalidInput, NotFound
from rbac_api.core.principal import Principal
from rbac_api.runtime import Rbac
from rbac_api.services.accounts import lookup_name, require_known_roles
from rbac_api.services.administration import require_superior
from rbac_api.store.change_rules import ChangeRules
from rbac_api.store.organizations import MemberRecord, OrganizationRecord, normalize_organization_name

ORGS_READ = frozenset({"orgs:read"})
ORGS_WRITE = frozenset({"orgs:write"})
MEMBERS_ASSIGN = frozenset({"members:assign"})


async def create_organization(rbac: Rbac, *, name: str) -> OrganizationRecord:
    """A new organization (the transports require `orgs:write`); `Conflict` when the name is taken."""
    return await anyio.to_thread.run_sync(
        partial(rbac.organizations.create, name=normalize_organization_name(name))
    )


async def list_organizations(
    rbac: Rbac, principal: Principal, *, limit: int, cursor: str | None
) -> tuple[list[OrganizationRecord], str | None]:
    """The caller's organizations, or every one with `orgs:read`, a page at a time in id order."""
    names = None if reads_every_organization(rbac, principal) else principal.memberships.keys()
    page = partial(rbac.organizations.page, limit=limit, cursor=cursor, names=names)
    return await anyio.to_thread.run_sync(page)


async def find_organization(rbac: Rbac, principal: Principal, *, name: str) -> OrganizationRecord:
    """The organization named `name` if the caller may see it; `NotFound` alike when it does not exist."""
    found = _stored_name(name)
    if found not in principal.memberships and not reads_every_organization(rbac, principal):
        raise _not_found(name)
    return await anyio.to_thread.run_sync(rbac.organizations.get, found)


async def list_members(
    rbac: Rbac, principal: Principal, *, organization: str, limit: int, cursor: str | None
) -> tuple[list[MemberRecord], str | None]:
    """The members of an organization the caller may see, with their roles there."""
    found = await find_organization(rbac, principal, name=organization)
    page = partial(rbac.organizations.members, organization_id=found.id, limit=limit, cursor=cursor)
    return await anyio.to_thread.run_sync(page)


async def set_membership(
    rbac: Rbac, principal: Principal, *, organization: str, username: str, roles: list[str]
) -> MemberRecord:
    """Make `roles` the member's roles in the organization, replacing theirs (none: no longer a member)."""
    found, inside = await _managed(rbac, principal, organization)
    require_known_roles(rbac.engine.policy, roles)
    name = lookup_name(username)
    user_id, _before = await _replace(rbac, inside, found, name, frozenset(roles))
    rbac.user_changed(user_id)
    return MemberRecord(user_id=user_id, username=name, roles=tuple(sorted(set(roles))))


async def remove_membership(rbac: Rbac, principal: Principal, *, organization: str, username: str) -> None:
    """Take every role the member holds in the organization; `NotFound` when they hold none."""
    found, inside = await _managed(rbac, principal, organization)
    name = lookup_name(username)
    user_id, before = await _replace(rbac, inside, found, name, frozenset())
    if not before:
        raise NotFound(f"user {name!r} is not a member of organization {found.name!r}")
    rbac.user_changed(user_id)


def reads_every_organization(rbac: Rbac, principal: Principal) -> bool:
    return rbac.engine.check(principal, ORGS_READ).allowed


def viewer_roles(principal: Principal, organization: str) -> list[str]:
    """The roles the caller holds in `organization` (as authentication saw them), sorted."""
    held = principal.memberships.get(organization)
    return [] if held is None else sorted(held.roles)


def within(principal: Principal, organization: str) -> Principal:
    """The caller as seen inside `organization`: its global scopes and those its roles there grant it.

    What the organization's checks ask the policy engine about, so that they are the global checks, with
    the same denials, log lines and messages.
    """
    held = principal.memberships.get(organization)
    if held is None or held.scopes <= principal.scopes:
        return principal
    return replace(principal, scopes=principal.scopes | held.scopes)


async def _managed(
    rbac: Rbac, principal: Principal, organization: str
) -> tuple[OrganizationRecord, Principal]:
    """The organization, if the caller may manage its members, and the caller as seen inside it.

    `members:assign` held globally reaches every organization; otherwise the caller must see it (404
    when not) and hold `members:assign` there (403 when not).
    """
    if rbac.engine.check(principal, MEMBERS_ASSIGN).allowed:
        found = await anyio.to_thread.run_sync(rbac.organizations.get, _stored_name(organization))
    else:
        found = await find_organization(rbac, principal, name=organization)
    inside = within(principal, found.name)
    rbac.require(inside, MEMBERS_ASSIGN, target=f"manage members of organization {found.name}")
    return found, inside


async def _replace(
    rbac: Rbac, inside: Principal, found: OrganizationRecord, name: str, roles: frozenset[str]
) -> tuple[int, frozenset[str]]:
    """Resolve the user name to an id once, then replace that member's roles in one transaction, where
    every role given or taken away is checked against the caller's scopes in the organization."""
    action = f"change roles of {name} in organization {found.name}"
    rules = ChangeRules(may_change=partial(require_superior, rbac, inside, action))

    def change() -> tuple[int, frozenset[str]]:
        user_id = rbac.users.id_of(name)
        replace_roles = rbac.organizations.replace_roles
        return user_id, replace_roles(organization_id=found.id, user_id=user_id, roles=roles, rules=rules)

    return await anyio.to_thread.run_sync(change)


def _stored_name(name: str) -> str:
    """The stored spelling of `name`; a name that cannot exist is simply not found."""
    try:
        return normalize_organization_name(name)
    except InvalidInput:
        raise _not_found(name) from None


def _not_found(name: str) -> NotFound:
    return NotFound(f"organization {name!r} not found")
