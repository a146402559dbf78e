"""Counted events in sliding windows, kept in the database so every instance sees the same counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from rbac_api.store.tables import RateEventRow

#: Bucket names longer than this are cut: a user name is at most 64 characters, an address 45.
BUCKET_MAX = 400


@dataclass(frozen=True, slots=True)
class WindowCount:
    count: int
    #: When the oldest counted event happened (None when there is none): the window frees up after it.
    oldest: float | None


class RateEventStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count(self, buckets: Iterable[str], *, since: float) -> dict[str, WindowCount]:
        """Events after `since` in each bucket, in one query."""
        names = [bucket[:BUCKET_MAX] for bucket in buckets]
        query = (
            select(RateEventRow.bucket, func.count(), func.min(RateEventRow.at))
            .where(col(RateEventRow.bucket).in_(names), col(RateEventRow.at) > since)
            .group_by(col(RateEventRow.bucket))
        )
        with Session(self._engine) as session:
            found = {bucket: WindowCount(int(n), oldest) for bucket, n, oldest in session.exec(query)}
        return {name: found.get(name, WindowCount(0, None)) for name in names}

    def record(self, buckets: Iterable[str], *, at: float) -> None:
        with Session(self._engine) as session:
            session.add_all(RateEventRow(bucket=bucket[:BUCKET_MAX], at=at) for bucket in buckets)
            session.commit()

    def clear(self, bucket: str) -> None:
        with Session(self._engine) as session:
            session.exec(delete(RateEventRow).where(col(RateEventRow.bucket) == bucket[:BUCKET_MAX]))
            session.commit()

    def prune(self, *, before: float) -> None:
        with Session(self._engine) as session:
            session.exec(delete(RateEventRow).where(col(RateEventRow.at) <= before))
            session.commit()
