"""The example application resource for REST and GraphQL alike: every decision is the engine's, per object.

Reading: a document the caller may not read is `NotFound`, the same as one that does not exist, so ids
reveal nothing. Changing: one they may read but not change is `PermissionDenied`. Lists are filtered by the
database with the engine's filter for the caller.
"""

from __future__ import annotations

from functools import partial

import anyio

from rbac_api.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from rbac_api.core.principal import Principal
from rbac_api.policy.engine import subject_of
from rbac_api.runtime import Rbac
from rbac_api.store.documents import Changed, Document
from rbac_api.store.names import normalize_name
from rbac_api.store.tables import DOCUMENT_STATUSES, ORGANIZATION_NAME_MAX

TITLE_MAX = 200
BODY_MAX = 100_000
RESOURCE = "document"
READ, WRITE = "documents:read", "documents:write"
_NOT_FOUND = "document {id} not found"
_CHANGED = "document {id} changed while this request was decided on it; read it again and retry"


async def list_documents(
    rbac: Rbac, principal: Principal, *, limit: int, cursor: str | None, org: str | None = None
) -> tuple[list[Document], str | None]:
    """A page of the documents the caller may read (in `org` only, when given), filtered in SQL."""
    require_reach(rbac, principal, READ)
    allowed = rbac.engine.filter_for(principal, READ, RESOURCE)
    only = _organization(org) if org is not None else None
    page = partial(rbac.documents.page, allowed=allowed, limit=limit, cursor=cursor, org=only)
    return await anyio.to_thread.run_sync(page)


async def get_document(rbac: Rbac, principal: Principal, document_id: int) -> Document:
    """The document, when the caller may read it; `NotFound` otherwise, whether or not it exists."""
    found = await anyio.to_thread.run_sync(rbac.documents.get, document_id)
    if found is None or not rbac.engine.decide_on(principal, READ, RESOURCE, found.attributes()):
        raise NotFound(_NOT_FOUND.format(id=document_id))
    return found


async def create_document(
    rbac: Rbac, principal: Principal, *, title: str, body: str, org: str | None = None, status: str = "draft"
) -> Document:
    """Decided on the document as it would be: `documents:write` in its organization, globally, or by a rule
    (an owner rule lets users create their own).

    Only a member of the organization (or a global writer) places a document in it: an owner rule, which
    matches whatever the owner creates, must not let a stranger add documents to someone else's
    organization. The decision comes before the organization is looked up, so a stranger gets the same 403
    for an organization that exists and one that does not.
    """
    _check_fields(title, body, status)
    require_reach(rbac, principal, WRITE)
    name = None if org is None else _organization(org)
    owner = subject_of(principal).id
    attributes = {"owner_id": owner, "org": name, "status": status}
    if not (
        _may_place_in(rbac, principal, name) and rbac.engine.decide_on(principal, WRITE, RESOURCE, attributes)
    ):
        where = f" in organization {name!r}" if name is not None else ""
        raise PermissionDenied(
            frozenset({WRITE}), frozenset({WRITE}), f"Not allowed to create documents{where}"
        )
    if name is not None:
        await anyio.to_thread.run_sync(rbac.organizations.get, name)  # NotFound for an unknown organization
    create = partial(rbac.documents.create, title=title, body=body, owner_id=owner, org=name, status=status)
    return await anyio.to_thread.run_sync(create)


async def update_document(
    rbac: Rbac,
    principal: Principal,
    document_id: int,
    *,
    title: str | None = None,
    body: str | None = None,
    status: str | None = None,
) -> Document:
    found = await _writable(rbac, principal, document_id)
    _check_fields(
        found.title if title is None else title, body or "", found.status if status is None else status
    )
    change = partial(rbac.documents.update, found, title=title, body=body, status=status)
    try:
        return await anyio.to_thread.run_sync(change)
    except Changed:
        raise Conflict(_CHANGED.format(id=document_id)) from None


async def delete_document(rbac: Rbac, principal: Principal, document_id: int) -> None:
    found = await _writable(rbac, principal, document_id)
    try:
        await anyio.to_thread.run_sync(rbac.documents.delete, found)
    except Changed:
        raise Conflict(_CHANGED.format(id=document_id)) from None


def viewer_can(rbac: Rbac, principal: Principal, document: Document) -> bool:
    """Whether the caller may change (edit or delete) `document`: what a UI shows its buttons on."""
    return bool(rbac.engine.decide_on(principal, WRITE, RESOURCE, document.attributes()))


def require_reach(rbac: Rbac, principal: Principal, scope: str) -> None:
    """A token issued without `scope` cannot use it on any object: refuse as under-scoped, saying so."""
    if not rbac.engine.may_reach(principal, scope):
        raise PermissionDenied(frozenset({scope}), frozenset({scope}))


async def _writable(rbac: Rbac, principal: Principal, document_id: int) -> Document:
    found = await get_document(rbac, principal, document_id)
    if not rbac.engine.decide_on(principal, WRITE, RESOURCE, found.attributes()):
        raise PermissionDenied(
            frozenset({WRITE}), frozenset({WRITE}), f"Not allowed to change document {document_id}"
        )
    return found


def _may_place_in(rbac: Rbac, principal: Principal, organization: str | None) -> bool:
    if organization is None or organization in principal.memberships:
        return True
    return rbac.engine.check(principal, frozenset({WRITE})).allowed


def _check_fields(title: str, body: str, status: str) -> None:
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidInput(f"title must be 1 to {TITLE_MAX} characters", field="title")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"body must be at most {BODY_MAX} characters", field="body")
    if status not in DOCUMENT_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(DOCUMENT_STATUSES)}", field="status")


def _organization(raw: str) -> str:
    """An organization's name as stored (normalised like a user name); a refusal names the `org` field."""
    return normalize_name(raw, field="org", max_length=ORGANIZATION_NAME_MAX)
