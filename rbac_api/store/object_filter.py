"""A policy `Filter` as a SQLAlchemy condition, so the database selects exactly the objects the engine allows.

Each leaf is written so that NULL selects what the Python decision would (`rbac_api.policy.filters.matches`):
the tree holds no negation, so a NULL comparison can only ever mean "not selected", and the leaves that must
select NULL (`!=`, `not in`, `== null`) say so explicitly. The tests check the equality over random rules,
principals and rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.sql.expression import Select, SelectOfScalar

from rbac_api.core.principal import Principal
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.filters import AllOf, AnyOf, Compare, Filter, Match

Columns = Mapping[str, ColumnElement[Any]]
_Query = TypeVar("_Query", Select[Any], SelectOfScalar[Any])


def where(filter_: Filter, columns: Columns) -> ColumnElement[bool]:
    """The SQL condition for `filter_`; `columns` maps each resource attribute to its column.

    Raises:
        KeyError: when the filter reads an attribute `columns` does not map (a policy/table mismatch that
            `rbac-api policy check --app` reports before it can happen here).
    """
    if isinstance(filter_, AllOf):
        return and_(true(), *(where(item, columns) for item in filter_.items))
    if isinstance(filter_, AnyOf):
        return or_(false(), *(where(item, columns) for item in filter_.items))
    if isinstance(filter_, Compare):
        return _compare(columns[filter_.attribute], filter_.op, filter_.value)
    if isinstance(filter_, Match):
        return _match(columns[filter_.left], filter_.op, columns[filter_.right])
    return _within(columns[filter_.attribute], filter_.values, filter_.negated)


def restrict(query: _Query, filter_: Filter, columns: Columns) -> _Query:
    """`query` limited to the allowed objects: unchanged for a global grant, so it costs nothing then."""
    if filter_ == AllOf(()):
        return query
    return query.where(where(filter_, columns))


def _compare(column: ColumnElement[Any], op: str, value: object) -> ColumnElement[bool]:
    if value is None:
        return column.is_(None) if op == "==" else column.is_not(None)
    if op == "==":
        return column == value
    if op == "!=":
        return or_(column.is_(None), column != value)
    ordered: ColumnElement[bool] = _ORDER[op](column, value)
    return ordered


def _match(left: ColumnElement[Any], op: str, right: ColumnElement[Any]) -> ColumnElement[bool]:
    if op == "==":
        return left.is_not_distinct_from(right)
    if op == "!=":
        return left.is_distinct_from(right)
    ordered: ColumnElement[bool] = _ORDER[op](left, right)
    return ordered


def _within(column: ColumnElement[Any], values: tuple[object, ...], negated: bool) -> ColumnElement[bool]:
    present = [value for value in values if value is not None]
    with_null = len(present) != len(values)
    if not negated:
        found = column.in_(present) if present else false()
        return or_(found, column.is_(None)) if with_null else found
    absent = column.not_in(present) if present else true()
    # NOT IN is NULL for a NULL column: say explicitly whether a missing value is "not in" the list.
    return and_(column.is_not(None), absent) if with_null else or_(column.is_(None), absent)


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def allowed_only(
    query: _Query, engine: PolicyEngine, principal: Principal, scope: str, resource: str, columns: Columns
) -> _Query:
    """`query` limited to the objects of `resource` on which `principal` may use `scope`: the framework's
    helper for an application's own SQLModel queries. `columns` maps each policy attribute to its column:
    `{"owner_id": Invoice.owner_id, "org": Invoice.org}`.

    Keyset pagination stays right: the database filters before `LIMIT`, so a page holds `limit` allowed
    rows whenever that many exist.
    """
    return restrict(query, engine.filter_for(principal, scope, resource), columns)
