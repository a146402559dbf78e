"""Documents over GraphQL: the same use cases as REST, so both make the same decision on every document.

`document(id)` is null for a document the caller may not read (existence is not revealed), lists are
connections filtered in SQL, and `viewerCan` tells a UI what the caller may do with each document.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry
from strawberry.types import Info

from rbac_api.core.errors import InvalidInput, NotFound
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.limits import page_size
from rbac_api.graphql.types import PageInfo
from rbac_api.services import documents
from rbac_api.store.documents import Document as DocumentRecord
from rbac_api.store.tables import MAX_USER_ID
from rbac_api.store.users import encode_cursor

Ctx = Info[GraphQLContext, None]


@strawberry.type(description="What the caller may do with one document")
class DocumentAbilities:
    edit: bool
    delete: bool


@strawberry.type
class Document:
    rbac_resource: ClassVar[str] = documents.RESOURCE

    id: strawberry.ID
    title: str
    body: str
    org: str | None
    owner_id: strawberry.ID | None
    status: str
    created_at: datetime
    _record: strawberry.Private[DocumentRecord]

    @strawberry.field(description="What the caller may do with this document (the same decision as REST's)")  # type: ignore[untyped-decorator]
    def viewer_can(self, info: Ctx) -> DocumentAbilities:
        allowed = documents.viewer_can(info.context.rbac, info.context.principal, self._record)
        return DocumentAbilities(edit=allowed, delete=allowed)

    def rbac_attributes(self) -> dict[str, object]:
        return self._record.attributes()

    @classmethod
    def of(cls, record: DocumentRecord) -> Document:
        owner = strawberry.ID(str(record.owner_id)) if record.owner_id is not None else None
        return cls(
            id=strawberry.ID(str(record.id)),
            title=record.title,
            body=record.body,
            org=record.org,
            owner_id=owner,
            status=record.status,
            created_at=record.created_at,
            _record=record,
        )


@strawberry.type
class DocumentEdge:
    cursor: str
    node: Document


@strawberry.type
class DocumentConnection:
    edges: list[DocumentEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, records: list[DocumentRecord], next_cursor: str | None) -> DocumentConnection:
        edges = [DocumentEdge(cursor=encode_cursor(r.id), node=Document.of(r)) for r in records]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=end))


async def resolve_documents(
    info: Ctx, first: int = 50, after: str | None = None, org: str | None = None
) -> DocumentConnection:
    """The documents the caller may read, in id order (`org`: one organization's)."""
    return await documents_page(info, first=first, after=after, org=org)


async def documents_page(info: Ctx, *, first: int, after: str | None, org: str | None) -> DocumentConnection:
    context = info.context
    records, next_cursor = await documents.list_documents(
        context.rbac, context.principal, limit=page_size(first), cursor=after, org=org
    )
    return DocumentConnection.of(records, next_cursor)


async def resolve_document(info: Ctx, id: strawberry.ID) -> Document | None:
    """The document, or null when it does not exist or the caller may not read it."""
    try:
        found = await documents.get_document(info.context.rbac, info.context.principal, _document_id(id))
    except NotFound:
        return None
    return Document.of(found)


async def create_document(
    info: Ctx, title: str, body: str = "", org: str | None = None, status: str = "draft"
) -> Document:
    context = info.context
    created = await documents.create_document(
        context.rbac, context.principal, title=title, body=body, org=org, status=status
    )
    return Document.of(created)


async def update_document(
    info: Ctx,
    id: strawberry.ID,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
) -> Document:
    context = info.context
    changed = await documents.update_document(
        context.rbac, context.principal, _document_id(id), title=title, body=body, status=status
    )
    return Document.of(changed)


async def delete_document(info: Ctx, id: strawberry.ID) -> bool:
    await documents.delete_document(info.context.rbac, info.context.principal, _document_id(id))
    return True


def _document_id(raw: str) -> int:
    """An id as REST takes it (a positive integer); anything else is a BAD_USER_INPUT, as REST's 422."""
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 10) or not 0 < int(raw) <= MAX_USER_ID:
        raise InvalidInput("id must be a document id (a positive integer)", field="id")
    return int(raw)
