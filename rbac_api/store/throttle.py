"""Counted events in sliding windows, kept in the database so every instance sees the same counts.

An attempt is counted *before* the work it limits (`reserve`): counting and then recording would let every
request in flight pass the same check, so a burst of simultaneous wrong passwords could exceed the limit by
the number of requests racing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, text
from sqlmodel import Session, col, select

from rbac_api.store.tables import RateEventRow

#: Bucket names longer than this are cut: a user name is at most 64 characters, an address 45.
BUCKET_MAX = 400


@dataclass(frozen=True, slots=True)
class WindowCount:
    count: int
    #: When the oldest counted event happened (None when there is none): the window frees up after it.
    oldest: float | None


@dataclass(frozen=True, slots=True)
class Reservation:
    """The events one attempt added; `refused` holds the first full bucket's count when it was refused."""

    event_ids: tuple[int, ...]
    refused: WindowCount | None = None
    refused_bucket: str | None = None


class RateEventStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count(self, buckets: Iterable[str], *, since: float) -> dict[str, WindowCount]:
        """Events after `since` in each bucket, in one query."""
        with Session(self._engine) as session:
            return self._count(session, [bucket[:BUCKET_MAX] for bucket in buckets], since)

    @staticmethod
    def _count(session: Session, names: list[str], since: float) -> dict[str, WindowCount]:
        query = (
            select(RateEventRow.bucket, func.count(), func.min(RateEventRow.at))
            .where(col(RateEventRow.bucket).in_(names), col(RateEventRow.at) > since)
            .group_by(col(RateEventRow.bucket))
        )
        found = {bucket: WindowCount(int(n), oldest) for bucket, n, oldest in session.exec(query)}
        return {name: found.get(name, WindowCount(0, None)) for name in names}

    def reserve(self, limits: dict[str, int], *, at: float, since: float) -> Reservation:
        """Count one event in every bucket unless one of them already holds its limit; all or nothing.

        Concurrent reservations of one bucket run one after the other: on PostgreSQL under a transaction-
        scoped advisory lock per bucket (taken in name order, so two never wait for each other); on SQLite
        because the transaction writes first, which takes the database's write lock before it counts.
        """
        names = {bucket[:BUCKET_MAX]: limit for bucket, limit in limits.items()}
        with Session(self._engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                for name in sorted(names):
                    lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))")
                    session.connection().execute(lock, {"name": name})
            rows = [RateEventRow(bucket=name, at=at) for name in names]
            session.add_all(rows)
            session.flush()
            counts = self._count(session, list(names), since)
            for name, limit in names.items():
                if counts[name].count > limit:  # this attempt's own event included
                    session.rollback()
                    return Reservation((), counts[name], name)
            ids = tuple(row.id for row in rows if row.id is not None)
            session.commit()
            return Reservation(ids)

    def release(self, event_ids: Iterable[int]) -> None:
        """Take back a reservation's events: the attempt did not fail, so it counts for nothing."""
        ids = list(event_ids)
        if not ids:
            return
        with Session(self._engine) as session:
            session.exec(delete(RateEventRow).where(col(RateEventRow.id).in_(ids)))
            session.commit()

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
