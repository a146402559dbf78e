"""The example resource over REST: each document decided on by the policy engine, lists filtered in SQL.

A document the caller may not read answers 404 whether or not it exists; one they may read but not change
answers 403. The routes ask only for a token: what the caller may do depends on each document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from rbac_api.core.principal import Principal
from rbac_api.policy.targets import Check
from rbac_api.rest.deps import DecidedByUseCase, RbacDep
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.pagination import Cursor
from rbac_api.rest.schemas import DocumentChange, DocumentCreate, DocumentOut, DocumentPage
from rbac_api.services import documents
from rbac_api.store.documents import Document
from rbac_api.store.tables import MAX_USER_ID

router = APIRouter(
    prefix="/documents", tags=["documents"], responses=AUTH_RESPONSES, route_class=GuardedRoute
)

# A token here; the use cases decide on each document (and the policy tools read these declarations).
Reader = Annotated[
    Principal, Depends(DecidedByUseCase(Check("object_scopes", frozenset({documents.READ}), "document")))
]
Writer = Annotated[
    Principal, Depends(DecidedByUseCase(Check("object_scopes", frozenset({documents.WRITE}), "document")))
]
DocumentId = Annotated[int, Path(ge=1, le=MAX_USER_ID)]
NOT_READABLE: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document, or one the caller may not read (the two are not told apart)"}
}
CHANGE: dict[int | str, dict[str, Any]] = {
    **NOT_READABLE,
    409: {"description": "The document changed while the request was decided on it; read it again"},
}


def _out(document: Document) -> DocumentOut:
    return DocumentOut.model_validate(document, from_attributes=True)


@router.get("", response_model=DocumentPage)
async def list_documents(
    rbac: RbacDep,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
    org: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> DocumentPage:
    """The documents the caller may read, in id order; `org` keeps one organization's."""
    found, next_cursor = await documents.list_documents(rbac, principal, limit=limit, cursor=cursor, org=org)
    return DocumentPage(items=[_out(d) for d in found], next_cursor=next_cursor)


@router.post("", response_model=DocumentOut, status_code=201, responses={404: {"description": "No such org"}})
async def create_document(rbac: RbacDep, body: DocumentCreate, principal: Writer) -> DocumentOut:
    created = await documents.create_document(
        rbac, principal, title=body.title, body=body.body, org=body.org, status=body.status
    )
    return _out(created)


@router.get("/{document_id}", response_model=DocumentOut, responses=NOT_READABLE)
async def get_document(rbac: RbacDep, principal: Reader, document_id: DocumentId) -> DocumentOut:
    return _out(await documents.get_document(rbac, principal, document_id))


@router.patch("/{document_id}", response_model=DocumentOut, responses=CHANGE)
async def update_document(
    rbac: RbacDep, principal: Writer, document_id: DocumentId, body: DocumentChange
) -> DocumentOut:
    changed = await documents.update_document(
        rbac, principal, document_id, title=body.title, body=body.body, status=body.status
    )
    return _out(changed)


@router.delete("/{document_id}", status_code=204, response_class=Response, responses=CHANGE)
async def delete_document(rbac: RbacDep, principal: Writer, document_id: DocumentId) -> Response:
    await documents.delete_document(rbac, principal, document_id)
    return Response(status_code=204)
