"""Organizations and their members over REST: thin adapters over `rbac_api.services.organizations`.

Who may see or change an organization depends on the organization (a member, or a global scope), so the
member routes take a token here and the use case decides; `DecidedByUseCase` declares its check for the
policy tools. An organization the caller may not see is a 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, Security

from rbac_api.core.principal import Principal
from rbac_api.policy.targets import Check
from rbac_api.rest.deps import CurrentPrincipal, DecidedByUseCase, RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.organization_schemas import (
    MemberOut,
    MemberPage,
    MembershipSet,
    OrganizationCreate,
    OrganizationCreated,
    OrganizationOut,
    OrganizationPage,
)
from rbac_api.rest.pagination import Cursor, Limit
from rbac_api.services import organizations
from rbac_api.services.organizations import MEMBERS_ASSIGN, ORGS_READ

router = APIRouter(prefix="/orgs", tags=["organizations"], responses=AUTH_RESPONSES, route_class=GuardedRoute)

OrganizationsWriter = Annotated[Principal, Security(current_principal, scopes=["orgs:write"])]
MembersReader = Annotated[Principal, Depends(DecidedByUseCase(Check("member_or_scopes", ORGS_READ)))]
MembersAssigner = Annotated[Principal, Depends(DecidedByUseCase(Check("org_scopes", MEMBERS_ASSIGN)))]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such organization, or one the caller may not see (or no such user or member)"}
}


@router.post(
    "",
    response_model=OrganizationCreated,
    status_code=201,
    responses={409: {"description": "An organization of that name (once normalised) exists"}},
)
async def create_organization(
    rbac: RbacDep, body: OrganizationCreate, _principal: OrganizationsWriter
) -> OrganizationCreated:
    return OrganizationCreated.of(await organizations.create_organization(rbac, name=body.name))


@router.get("", response_model=OrganizationPage)
async def list_organizations(
    rbac: RbacDep, principal: CurrentPrincipal, limit: Limit = 50, cursor: Cursor = None
) -> OrganizationPage:
    """The caller's organizations, with the caller's roles in each; every organization with `orgs:read`."""
    records, next_cursor = await organizations.list_organizations(rbac, principal, limit=limit, cursor=cursor)
    items = [
        OrganizationOut(
            name=r.name, created_at=r.created_at, roles=organizations.viewer_roles(principal, r.name)
        )
        for r in records
    ]
    return OrganizationPage(items=items, next_cursor=next_cursor)


@router.get("/{org}/members", response_model=MemberPage, responses=NOT_FOUND)
async def list_members(
    rbac: RbacDep, org: str, principal: MembersReader, limit: Limit = 50, cursor: Cursor = None
) -> MemberPage:
    """The members and their roles: for the organization's members, and with `orgs:read`."""
    records, next_cursor = await organizations.list_members(
        rbac, principal, organization=org, limit=limit, cursor=cursor
    )
    return MemberPage(items=[MemberOut.of(r) for r in records], next_cursor=next_cursor)


@router.put("/{org}/members/{username}", response_model=MemberOut, responses=NOT_FOUND)
async def set_membership(
    rbac: RbacDep, org: str, username: str, body: MembershipSet, principal: MembersAssigner
) -> MemberOut:
    """Replace the user's roles in the organization. Needs `members:assign` (globally or in the
    organization) and the scopes of every role given or taken away."""
    record = await organizations.set_membership(
        rbac, principal, organization=org, username=username, roles=body.roles
    )
    return MemberOut.of(record)


@router.delete("/{org}/members/{username}", status_code=204, responses=NOT_FOUND)
async def remove_membership(rbac: RbacDep, org: str, username: str, principal: MembersAssigner) -> Response:
    """Take every role the user holds in the organization, under the rules of `PUT`."""
    await organizations.remove_membership(rbac, principal, organization=org, username=username)
    return Response(status_code=204)
