"""The example application resource: documents, protected by `documents:read` / `documents:write`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from rbac_api.store.tables import DocumentRow


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    title: str
    body: str
    owner_id: int | None
    created_at: datetime


class DocumentStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, title: str, body: str, owner_id: int) -> Document:
        with Session(self._engine) as session:
            row = DocumentRow(title=title, body=body, owner_id=owner_id)
            session.add(row)
            session.commit()
            session.refresh(row)
            return _document(row)

    def list(self, *, limit: int) -> list[Document]:
        with Session(self._engine) as session:
            rows = session.exec(select(DocumentRow).order_by(col(DocumentRow.id)).limit(limit)).all()
            return [_document(row) for row in rows]


def _document(row: DocumentRow) -> Document:
    assert row.id is not None
    return Document(
        id=row.id, title=row.title, body=row.body, owner_id=row.owner_id, created_at=row.created_at
    )
