"""The example application resource: documents, each in at most one organization, with an owner and a status.

Lists take the policy's `Filter` and let the database apply it, so a page holds `limit` allowed documents
whenever that many exist. Changes are conditional on the attributes the decision was made on: a document
that moved organization, changed owner or status since it was read is not changed (`Changed`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from rbac_api.policy.filters import Filter
from rbac_api.store.object_filter import first_ids, restrict
from rbac_api.store.tables import MAX_USER_ID, DocumentRow, utcnow
from rbac_api.store.users import decode_cursor, encode_cursor

#: Each policy attribute of `document`, as a column: what the policy's filters are translated against.
COLUMNS: dict[str, ColumnElement[Any]] = {
    name: DocumentRow.__table__.c[name]  # type: ignore[attr-defined]
    for name in ("owner_id", "org", "status")
}


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    title: str
    body: str
    owner_id: int | None
    org: str | None
    status: str
    created_at: datetime

    def attributes(self) -> dict[str, object]:
        """What the policy's `document` resource declares: the only facts a decision reads."""
        return {"owner_id": self.owner_id, "org": self.org, "status": self.status}


_STATEMENTS = 256


class Changed(Exception):
    """The document is not as it was read (or is gone): the decision made on it no longer stands."""


class DocumentStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Page queries per (filter, organization given, limit), values of `after` and `org` bound at run
        # time: building the union of a filter's branches costs more than running it. Bounded: at most
        # `_STATEMENTS` entries of at most MAX_BRANCHES branches each.
        self._statements: OrderedDict[tuple[Filter, bool, int], Any] = OrderedDict()
        self._statements_lock = threading.Lock()  # pages are read from worker threads

    def create(self, *, title: str, body: str, owner_id: int, org: str | None, status: str) -> Document:
        with Session(self._engine) as session:
            row = DocumentRow(title=title, body=body, owner_id=owner_id, org=org, status=status)
            session.add(row)
            session.commit()
            session.refresh(row)
            return _document(row)

    def get(self, document_id: int) -> Document | None:
        if not 0 < document_id <= MAX_USER_ID:
            return None
        with Session(self._engine) as session:
            row = session.get(DocumentRow, document_id)
            return None if row is None else _document(row)

    def page(
        self, *, allowed: Filter, limit: int, cursor: str | None, org: str | None = None
    ) -> tuple[list[Document], str | None]:
        """Up to `limit` documents `allowed` selects, after `cursor`, in id order; and the next cursor."""
        after = min(decode_cursor(cursor), MAX_USER_ID) if cursor else 0
        query = self._page_query(allowed, org is not None, limit + 1)
        with Session(self._engine) as session:
            rows = list(session.exec(query, params={"after": after, "org": org}).all())
        found = [_document(row) for row in rows[:limit]]
        return found, (encode_cursor(found[-1].id) if len(rows) > limit else None)

    def _page_query(self, allowed: Filter, by_org: bool, limit: int) -> Any:
        key = (allowed, by_org, limit)
        with self._statements_lock:
            query = self._statements.get(key)
            if query is not None:
                self._statements.move_to_end(key)
                return query
        base = [col(DocumentRow.id) > bindparam("after")]
        if by_org:
            base.append(col(DocumentRow.org) == bindparam("org"))
        ids = first_ids(allowed, COLUMNS, DocumentRow.__table__.c.id, base, limit)  # type: ignore[attr-defined]
        if ids is not None:
            query = select(DocumentRow).where(col(DocumentRow.id).in_(ids))
        else:
            query = restrict(select(DocumentRow).where(*base), allowed, COLUMNS)
        query = query.order_by(col(DocumentRow.id)).limit(limit)
        with self._statements_lock:
            self._statements[key] = query
            if len(self._statements) > _STATEMENTS:
                self._statements.popitem(last=False)
        return query

    def update(
        self, read: Document, *, title: str | None = None, body: str | None = None, status: str | None = None
    ) -> Document:
        """Write the fields given if the document is still as `read` (same organization, owner and status).

        Only the fields given: writing back `read`'s title or body would undo a concurrent change to them,
        which the condition (on the decision's attributes only) would not notice.
        """
        given = {"title": title, "body": body, "status": status}
        changes = {name: value for name, value in given.items() if value is not None}
        # Nothing given still writes (the status it has): the answer stays conditional on the read.
        changes = changes or {"status": read.status}
        with Session(self._engine) as session:
            result = session.exec(update(DocumentRow).where(*_unchanged(read)).values(**changes))
            if result.rowcount != 1:
                raise Changed()
            row = session.get(DocumentRow, read.id, populate_existing=True)
            assert row is not None  # the update just matched it, in this transaction
            updated = _document(row)
            session.commit()
        return updated

    def delete(self, read: Document) -> None:
        with Session(self._engine) as session:
            result = session.exec(delete(DocumentRow).where(*_unchanged(read)))
            if result.rowcount != 1:
                raise Changed()
            session.commit()


def _unchanged(read: Document) -> list[ColumnElement[bool]]:
    return [
        col(DocumentRow.id) == read.id,
        col(DocumentRow.owner_id).is_not_distinct_from(read.owner_id),
        col(DocumentRow.org).is_not_distinct_from(read.org),
        col(DocumentRow.status) == read.status,
    ]


def _document(row: DocumentRow) -> Document:
    assert row.id is not None
    return Document(
        id=row.id,
        title=row.title,
        body=row.body,
        owner_id=row.owner_id,
        org=row.org,
        status=row.status,
        created_at=row.created_at,
    )


__all__ = ["COLUMNS", "Changed", "Document", "DocumentStore", "utcnow"]
