"""What an administrator sees of one user's access: roles, organization memberships, the scopes these
grant, and the live sessions (`GET /users/{username}/access` and `/sessions`, the console's Users view).

Read from the same user state authentication uses, and granted by the same policy functions
(`Policy.granted`, `reachable_scopes`): nothing here decides anything the engine would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import anyio

from rbac_api.core.errors import NotFound
from rbac_api.core.principal import Principal
from rbac_api.policy.reach import reachable_scopes
from rbac_api.runtime import Rbac
from rbac_api.services.accounts import lookup_name
from rbac_api.services.organizations import reads_every_organization
from rbac_api.services.sessions import live_sessions_of
from rbac_api.store.sessions import SessionRecord
from rbac_api.store.users import UserRecord, UserState, UserStore


@dataclass(frozen=True, slots=True)
class OrganizationAccess:
    """The roles a user holds in one organization, and the scopes these grant there."""

    name: str
    roles: frozenset[str]
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class UserAccess:
    record: UserRecord
    #: What the global roles grant, everywhere.
    scopes: frozenset[str]
    #: The organizations the caller may see (every one with `orgs:read`), by name.
    organizations: tuple[OrganizationAccess, ...]
    #: What a login token of theirs may carry: global, organization and object-rule scopes.
    token_scopes: frozenset[str]


def _state_of(users: UserStore, name: str) -> UserState:
    state = users.state(users.id_of(name))
    if state is None:  # deleted between the two reads
        raise NotFound(f"user {name!r} not found")
    return state


async def user_access(rbac: Rbac, principal: Principal, username: str) -> UserAccess:
    """The user's roles and memberships as stored now, with what the policy in force grants them."""
    state = await anyio.to_thread.run_sync(partial(_state_of, rbac.users, lookup_name(username)))
    policy = rbac.engine.policy
    every = reads_every_organization(rbac, principal)
    organizations = tuple(
        OrganizationAccess(name, roles, policy.granted(roles))
        for name, roles in sorted(state.memberships.items())
        if every or name in principal.memberships
    )
    return UserAccess(
        record=state.record,
        scopes=policy.granted(state.roles),
        organizations=organizations,
        token_scopes=reachable_scopes(policy, state.roles, state.memberships),
    )


async def user_sessions(rbac: Rbac, username: str) -> list[SessionRecord]:
    """The user's live sessions, newest first; `NotFound` for an unknown name."""
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, lookup_name(username))
    return await live_sessions_of(rbac, user_id)
