"""The example application resource: how an app protects its own routes with scopes from the policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Security

from rbac_api.core.principal import Principal
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.schemas import DocumentCreate, DocumentOut
from rbac_api.services import documents

router = APIRouter(prefix="/documents", tags=["documents"], responses=AUTH_RESPONSES)

DocumentReader = Annotated[Principal, Security(current_principal, scopes=["documents:read"])]
DocumentWriter = Annotated[Principal, Security(current_principal, scopes=["documents:write"])]


@router.get("", response_model=list[DocumentOut])
async def list_documents(
    rbac: RbacDep, _principal: DocumentReader, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[DocumentOut]:
    found = await documents.list_documents(rbac, limit=limit)
    return [DocumentOut.model_validate(d, from_attributes=True) for d in found]


@router.post("", response_model=DocumentOut, status_code=201)
async def create_document(rbac: RbacDep, body: DocumentCreate, principal: DocumentWriter) -> DocumentOut:
    created = await documents.create_document(rbac, principal, title=body.title, body=body.body)
    return DocumentOut.model_validate(created, from_attributes=True)
