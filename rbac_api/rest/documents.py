"""The example application resource: how an app protects its own routes with scopes from the policy."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Security

from rbac_api.principal import Principal
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.schemas import DocumentCreate, DocumentOut

router = APIRouter(prefix="/documents", tags=["documents"], responses=AUTH_RESPONSES)

DocumentReader = Annotated[Principal, Security(current_principal, scopes=["documents:read"])]
DocumentWriter = Annotated[Principal, Security(current_principal, scopes=["documents:write"])]


@router.get("", response_model=list[DocumentOut])
async def list_documents(
    rbac: RbacDep, _principal: DocumentReader, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[DocumentOut]:
    documents = await anyio.to_thread.run_sync(partial(rbac.documents.list, limit=limit))
    return [DocumentOut.model_validate(d, from_attributes=True) for d in documents]


@router.post("", response_model=DocumentOut, status_code=201)
async def create_document(rbac: RbacDep, body: DocumentCreate, principal: DocumentWriter) -> DocumentOut:
    create = partial(rbac.documents.create, title=body.title, body=body.body, owner_id=int(principal.subject))
    return DocumentOut.model_validate(await anyio.to_thread.run_sync(create), from_attributes=True)
