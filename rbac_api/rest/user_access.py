"""An administrator's view of one user's access over REST: roles, memberships and the scopes they grant,
the live sessions, and ending one of them. Thin adapters over `rbac_api.services.user_access` and
`rbac_api.services.accounts`; the console's Users view reads these."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, Security
from pydantic import BaseModel, Field

from rbac_api.core.principal import Principal
from rbac_api.core.text import NO_NUL_PATTERN
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.schemas import SessionOut, UserOut
from rbac_api.rest.sessions import session_out
from rbac_api.services import accounts
from rbac_api.services.user_access import OrganizationAccess, UserAccess, user_access, user_sessions

router = APIRouter(prefix="/users", tags=["users"], responses=AUTH_RESPONSES, route_class=GuardedRoute)

UsersReader = Annotated[Principal, Security(current_principal, scopes=["users:read"])]
UsersWriter = Annotated[Principal, Security(current_principal, scopes=["users:write"])]
SessionId = Annotated[str, Path(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such user"}}


class OrganizationAccessOut(BaseModel):
    organization: str
    roles: list[str]
    scopes: list[str] = Field(description="What these roles grant on the organization's objects")

    @classmethod
    def of(cls, found: OrganizationAccess) -> OrganizationAccessOut:
        return cls(organization=found.name, roles=sorted(found.roles), scopes=sorted(found.scopes))


class AccessOut(BaseModel):
    user: UserOut
    scopes: list[str] = Field(description="What the user's global roles grant, under the policy in force")
    organizations: list[OrganizationAccessOut] = Field(
        description="Memberships in the organizations the caller may see (every one with orgs:read)"
    )
    token_scopes: list[str] = Field(
        description="What a login token of theirs may carry: global, organization and object-rule scopes"
    )

    @classmethod
    def of(cls, found: UserAccess) -> AccessOut:
        return cls(
            user=UserOut.of(found.record),
            scopes=sorted(found.scopes),
            organizations=[OrganizationAccessOut.of(o) for o in found.organizations],
            token_scopes=sorted(found.token_scopes),
        )


@router.get("/{username}/access", response_model=AccessOut, responses=NOT_FOUND)
async def read_access(rbac: RbacDep, username: str, principal: UsersReader) -> AccessOut:
    """The user's roles and organization memberships, and the scopes the policy in force grants them."""
    return AccessOut.of(await user_access(rbac, principal, username))


@router.get("/{username}/sessions", response_model=list[SessionOut], responses=NOT_FOUND)
async def read_sessions(rbac: RbacDep, username: str, principal: UsersReader) -> list[SessionOut]:
    """The user's live sessions (logins that can still be refreshed), newest first; never a token."""
    return [session_out(record, principal) for record in await user_sessions(rbac, username)]


@router.delete(
    "/{username}/sessions/{session_id}",
    status_code=204,
    responses={404: {"description": "No such user, or no such session of theirs"}},
)
async def end_session(
    rbac: RbacDep, username: str, session_id: SessionId, principal: UsersWriter
) -> Response:
    """End one session of the user: its refresh token stops at once, its access tokens within the
    revocation bound. Only a session of that user: any other is a 404 and stays live."""
    await accounts.end_session_of(rbac, principal, username, session_id)
    return Response(status_code=204)
