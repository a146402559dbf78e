"""The example application resource, shared by REST and GraphQL."""

from __future__ import annotations

from functools import partial

import anyio

from rbac_api.core.errors import InvalidInput
from rbac_api.core.principal import Principal
from rbac_api.runtime import Rbac
from rbac_api.store.documents import Document

TITLE_MAX = 200
BODY_MAX = 100_000


async def list_documents(rbac: Rbac, *, limit: int) -> list[Document]:
    return await anyio.to_thread.run_sync(partial(rbac.documents.list, limit=limit))


async def create_document(rbac: Rbac, principal: Principal, *, title: str, body: str) -> Document:
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(f"title must be 1 to {TITLE_MAX} characters", field="title")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"body must be at most {BODY_MAX} characters", field="body")
    create = partial(rbac.documents.create, title=title, body=body, owner_id=int(principal.subject))
    return await anyio.to_thread.run_sync(create)
