"""The framework face of object rules, in an application's own app: `ObjectGuard` on a route,
`HasScopesOn` on a Strawberry field of an object type, and `allowed_only` on a SQLModel query, each making
the engine's decision on the service's documents (the same policy, tables and principals)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

import pytest
import strawberry
from fastapi import APIRouter, Depends
from sqlmodel import Session, col, select

from rbac_api import HasScopesOn, ObjectGuard, allowed_only
from rbac_api.graphql import IsAuthenticated, RbacSchema
from rbac_api.runtime import Rbac
from rbac_api.store.documents import COLUMNS, Document
from rbac_api.store.tables import DocumentRow
from tests.conftest import bearer
from tests.documents.conftest import Site, app_site
from tests.graphql.conftest import codes


async def load_document(rbac: Rbac, raw: str) -> Document | None:
    return rbac.documents.get(int(raw)) if raw.isascii() and raw.isdigit() else None


Stampable = Annotated[
    Document,
    Depends(ObjectGuard("document", "documents:write", load=load_document, read_scope="documents:read")),
]
router = APIRouter()


@router.post("/stamps/{document_id}")
async def stamp(document: Stampable) -> dict[str, Any]:
    return {"stamped": document.id}


@strawberry.type
class Page:
    """An application's own type for a document: it says its policy resource and attributes."""

    rbac_resource: ClassVar[str] = "document"
    id: int
    title: str
    _record: strawberry.Private[Document]

    def rbac_attributes(self) -> dict[str, object]:
        return self._record.attributes()

    @strawberry.field(permission_classes=[HasScopesOn("documents:write")])
    def edit_link(self) -> str | None:
        return f"/pages/{self.id}/edit"


@strawberry.type
class PagesQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    def pages(self, info: strawberry.Info) -> list[Page]:
        """Every page the caller may read, selected by the database (`allowed_only`)."""
        rbac: Rbac = info.context.rbac
        query = allowed_only(
            select(DocumentRow), rbac.engine, info.context.principal, "documents:read", "document", COLUMNS
        )
        with Session(rbac.db) as session:
            rows = session.exec(query.order_by(col(DocumentRow.id))).all()
        records = [rbac.documents.get(row.id) for row in rows if row.id is not None]
        return [Page(id=r.id, title=r.title, _record=r) for r in records if r is not None]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from app_site(tmp_path_factory, routers=[router], graphql_schema=RbacSchema(query=PagesQuery))


@pytest.fixture(scope="module")
def documents(site: Site) -> dict[str, int]:
    """mixed: `editor` in a, `member` in b. a's draft (theirs to change), b's published (to read only) and
    b's draft (hidden), written by b's editor."""
    for org in ("a", "b"):
        site.org(org)
    site.user("mixed")
    site.give("mixed", "a", "editor")
    site.give("mixed", "b", "member")
    writer = site.user("writer")
    site.give("writer", "a", "editor")
    site.give("writer", "b", "editor")
    return {
        "draft_a": site.create(writer, "draft in a", org="a"),
        "published_b": site.create(writer, "published in b", org="b", status="published"),
        "draft_b": site.create(writer, "draft in b", org="b"),
    }


@pytest.mark.parametrize(
    ("document", "status"),
    [("draft_b", 404), ("published_b", 403), ("draft_a", 200)],
    ids=["unreadable", "readable-not-writable", "writable"],
)
def test_object_guard_decides_on_the_routes_object(
    site: Site, documents: dict[str, int], document: str, status: int
) -> None:
    response = site.client.post(f"/stamps/{documents[document]}", headers=bearer(site.tokens["mixed"]))
    assert response.status_code == status
    if status == 403:
        assert response.json()["missing_scopes"] == ["documents:write"]
    if status == 200:
        assert response.json() == {"stamped": documents[document]}


def test_object_guard_answers_a_missing_object_as_an_unreadable_one(
    site: Site, documents: dict[str, int]
) -> None:
    hidden = site.client.post(f"/stamps/{documents['draft_b']}", headers=bearer(site.tokens["mixed"]))
    missing = site.client.post("/stamps/987654", headers=bearer(site.tokens["mixed"]))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["detail"].replace(str(documents["draft_b"]), "N") == missing.json()[
        "detail"
    ].replace("987654", "N")


def test_object_guard_needs_a_token(site: Site, documents: dict[str, int]) -> None:
    assert site.client.post(f"/stamps/{documents['draft_a']}").status_code == 401


def test_has_scopes_on_decides_per_object_within_one_request(site: Site, documents: dict[str, int]) -> None:
    body = site.gql(site.tokens["mixed"], "{ pages { id editLink } }")
    pages = {page["id"]: page["editLink"] for page in body["data"]["pages"]}
    assert pages == {
        documents["draft_a"]: f"/pages/{documents['draft_a']}/edit",
        documents["published_b"]: None,
    }
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["missingScopes"] == ["documents:write"]


def readable_ids(site: Site, token: str) -> set[int | None]:
    """What `allowed_only` selects for the token's principal, straight from the database."""
    engine, principal = site.rbac.engine, site.principal(token)
    query = allowed_only(select(DocumentRow), engine, principal, "documents:read", "document", COLUMNS)
    with Session(site.rbac.db) as session:
        return {row.id for row in session.exec(query).all()}


def test_allowed_only_selects_exactly_the_rows_the_engine_allows_one_by_one(
    site: Site, documents: dict[str, int]
) -> None:
    with Session(site.rbac.db) as session:
        every = session.exec(select(DocumentRow)).all()
    for token in (site.tokens["mixed"], site.tokens["writer"], site.admin):
        principal = site.principal(token)
        decided = {
            row.id
            for row in every
            if site.rbac.engine.decide_on(
                principal,
                "documents:read",
                "document",
                {"owner_id": row.owner_id, "org": row.org, "status": row.status},
            )
        }
        assert readable_ids(site, token) == decided


def test_allowed_only_selects_what_the_policy_says(site: Site, documents: dict[str, int]) -> None:
    assert readable_ids(site, site.tokens["mixed"]) == {documents["draft_a"], documents["published_b"]}
    assert readable_ids(site, site.admin) == set(documents.values())
