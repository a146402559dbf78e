"""Organizations over GraphQL: the same use cases as `GET/POST /orgs` and the member routes, one for one.

The root fields are wired in `schema.py`; the resolvers here only translate arguments and records.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from rbac_api.core.errors import InvalidInput, NotFound
from rbac_api.core.principal import Principal
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.documents import DocumentConnection, documents_page
from rbac_api.graphql.limits import page_size
from rbac_api.graphql.permissions import DecidedByUseCase, IsMemberOr
from rbac_api.graphql.types import PageInfo
from rbac_api.services import organizations
from rbac_api.services.authentication import user_id_of
from rbac_api.store.organizations import MemberRecord, OrganizationRecord
from rbac_api.store.users import encode_cursor

Ctx = Info[GraphQLContext, None]


@strawberry.type(description="A member of an organization and the roles they hold there")
class Member:
    username: str
    user_id: strawberry.ID
    roles: list[str]

    @classmethod
    def of(cls, record: MemberRecord) -> Member:
        return cls(
            username=record.username, user_id=strawberry.ID(str(record.user_id)), roles=list(record.roles)
        )


@strawberry.type(
    description="An organization the caller may see: one they are a member of, or any with orgs:read"
)
class Organization:
    name: str
    created_at: datetime
    viewer_roles: list[str] = strawberry.field(
        description="The caller's roles in this organization (none: not a member)"
    )

    @strawberry.field(
        permission_classes=[IsMemberOr("orgs:read")],
        description="Members in userId order, with their roles here: for members, and with orgs:read. "
        "`after` is the last userId of the previous page",
    )
    async def members(self, info: Ctx, first: int = 50, after: strawberry.ID | None = None) -> list[Member]:
        records, _next = await organizations.list_members(
            info.context.rbac,
            info.context.principal,
            organization=self.name,
            limit=page_size(first),
            cursor=None if after is None else _after_member(after),
        )
        return [Member.of(record) for record in records]

    @strawberry.field(
        permission_classes=[DecidedByUseCase("object_scopes", "documents:read", resource="document")],
        description="This organization's documents that the caller may read, as Query.documents(org: ...)",
    )
    async def documents(self, info: Ctx, first: int = 50, after: str | None = None) -> DocumentConnection:
        return await documents_page(info, first=first, after=after, org=self.name)

    @classmethod
    def of(cls, record: OrganizationRecord, principal: Principal) -> Organization:
        return cls(
            name=record.name,
            created_at=record.created_at,
            viewer_roles=organizations.viewer_roles(principal, record.name),
        )


@strawberry.type
class OrganizationEdge:
    cursor: str
    node: Organization


@strawberry.type
class OrganizationConnection:
    edges: list[OrganizationEdge]
    page_info: PageInfo

    @classmethod
    def of(
        cls, records: list[OrganizationRecord], next_cursor: str | None, principal: Principal
    ) -> OrganizationConnection:
        edges = [
            OrganizationEdge(cursor=encode_cursor(r.id), node=Organization.of(r, principal)) for r in records
        ]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=end))


def _after_member(after: str) -> str:
    user_id = user_id_of(after)
    if user_id is None:
        raise InvalidInput("after must be the userId of a member from the previous page", field="after")
    return encode_cursor(user_id)


async def resolve_organizations(
    info: Ctx, first: int = 50, after: str | None = None
) -> OrganizationConnection:
    principal = info.context.principal
    records, next_cursor = await organizations.list_organizations(
        info.context.rbac, principal, limit=page_size(first), cursor=after
    )
    return OrganizationConnection.of(records, next_cursor, principal)


async def resolve_organization(info: Ctx, name: str) -> Organization | None:
    principal = info.context.principal
    try:
        found = await organizations.find_organization(info.context.rbac, principal, name=name)
    except NotFound:
        return None
    return Organization.of(found, principal)


async def create_organization(info: Ctx, name: str) -> Organization:
    found = await organizations.create_organization(info.context.rbac, name=name)
    return Organization.of(found, info.context.principal)


async def set_membership(info: Ctx, org: str, username: str, roles: list[str]) -> Member:
    record = await organizations.set_membership(
        info.context.rbac, info.context.principal, organization=org, username=username, roles=roles
    )
    return Member.of(record)


async def remove_membership(info: Ctx, org: str, username: str) -> bool:
    await organizations.remove_membership(
        info.context.rbac, info.context.principal, organization=org, username=username
    )
    return True
