"""The query plans behind a store call: every query it sends, captured as sent and run again under EXPLAIN.

Capturing the statements (with their parameters) instead of writing the SQL again means the plans shown are
those of the queries the service runs, whatever the ORM renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

Query = tuple[str, Any]

#: Longest plan line kept for the notes (an `= ANY ('{...}')` of 50 ids is long).
LINE = 100


@dataclass(frozen=True)
class Plan:
    statement: str
    lines: tuple[str, ...]

    @property
    def scans(self) -> list[str]:
        """The plan's scan nodes, e.g. `Index Scan using users_pkey on users`."""
        return [_node(line) for line in self.lines if "Scan" in line and " on " in line]

    @property
    def seconds(self) -> float:
        """The `Execution Time` EXPLAIN ANALYZE reported."""
        line = next(line for line in self.lines if line.startswith("Execution Time:"))
        return float(line.split()[2]) / 1000

    def uses(self, index: str) -> bool:
        """Whether some scan of the plan goes through `index` (Index, Index Only or Bitmap Index Scan)."""
        return any(index in scan.split() for scan in self.scans)

    def key_lines(self) -> list[str]:
        """Scan nodes, their conditions and the execution time, shortened."""
        wanted = ("Scan", "Index Cond", "Filter:", "Execution Time")
        return [_shorten(line.strip()) for line in self.lines if any(word in line for word in wanted)]


def plans_of(engine: Engine, call: Callable[[], object]) -> list[Plan]:
    """Run `call`, then EXPLAIN ANALYZE each SELECT it sent to `engine` (writes are not replayed)."""
    return explain(engine, captured(engine, call))


def captured(engine: Engine, call: Callable[[], object]) -> list[Query]:
    """Run `call`; the SELECTs it sent to `engine` that read a table, with their parameters."""
    sent: list[Query] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return [(statement, parameters) for statement, parameters in sent if _is_query(statement)]


def explain(engine: Engine, queries: list[Query]) -> list[Plan]:
    with engine.connect() as connection:
        return [
            Plan(
                " ".join(statement.split()), tuple(row[0] for row in _explain(connection, statement, params))
            )
            for statement, params in queries
        ]


def database_seconds(engine: Engine, queries: list[Query], repeats: int) -> Callable[[], float]:
    """A sample function: the database's own time for `queries` (the sum of their `Execution Time`), the
    best of `repeats` runs; planning, the network and the client are left out."""

    def sample() -> float:
        return min(sum(plan.seconds for plan in explain(engine, queries)) for _ in range(repeats))

    return sample


def _is_query(statement: str) -> bool:
    """A SELECT that reads a table (not the advisory lock nor a ping)."""
    words = statement.upper().split()
    return bool(words) and words[0] == "SELECT" and "FROM" in words


def _explain(connection: Any, statement: str, parameters: Any) -> Any:
    return connection.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)


def _node(line: str) -> str:
    text = line.strip().removeprefix("->").strip()
    return text.split(" (actual", 1)[0]


def _shorten(line: str) -> str:
    text = line.removeprefix("->").strip()
    return text if len(text) <= LINE else text[: LINE - 1] + "…"
