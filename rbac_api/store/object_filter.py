"""A policy `Filter` as a SQLAlchemy condition, so the database selects exactly the objects the engine allows.

Each leaf is written so that NULL selects what the Python decision would (`rbac_api.policy.filters.matches`):
the tree holds no negation, so a NULL comparison can only ever mean "not selected", and the leaves that must
select NULL (`!=`, `not in`, `== null`) say so explicitly. The tests check the equality over random rules,
principals and rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select as CoreSelect
from sqlalchemy import and_, false, or_, select, true, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.sql.expression import Select, SelectOfScalar

from rbac_api.core.principal import Principal
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.filters import AllOf, AnyOf, Compare, Filter, Match, Within

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


#: Most id-ordered branches a page is split into; a filter with more is run as one WHERE instead.
MAX_BRANCHES = 24
#: An `IN` list up to this long becomes one branch per value (each walks its own index range in id order).
_SPLIT_IN = 8


def branches(filter_: Filter) -> list[list[Filter]] | None:
    """`filter_` as a disjunction of conjunctions (each a list of leaves), short `IN` lists split into one
    branch per value; None when that would exceed `MAX_BRANCHES`.

    Why: a page is "the first `limit` ids that pass". One WHERE with ORs makes the database collect every
    match and sort (or scan ids until enough pass: a 2% filter reads 50x the page). A branch such as
    `org = 'acme' AND status = 'published'` walks an index in id order and stops after `limit` rows; the
    page is the first `limit` ids of the union of the branches' pages.
    """
    if isinstance(filter_, AnyOf):
        found: list[list[Filter]] = []
        for item in filter_.items:
            more = branches(item)
            if more is None or len(found) + len(more) > MAX_BRANCHES:
                return None
            found += more
        return found
    if isinstance(filter_, AllOf):
        product: list[list[Filter]] = [[]]
        for item in filter_.items:
            alternatives = branches(item)
            if alternatives is None or len(product) * len(alternatives) > MAX_BRANCHES:
                return None
            product = [done + more for done in product for more in alternatives]
        return product
    if isinstance(filter_, Within) and not filter_.negated and 0 < len(filter_.values) <= _SPLIT_IN:
        return [[Compare(filter_.attribute, "==", value)] for value in filter_.values]
    return [[filter_]]


def first_ids(
    filter_: Filter,
    columns: Columns,
    id_column: ColumnElement[int],
    base: list[ColumnElement[bool]],
    limit: int,
) -> CoreSelect[Any] | None:
    """The first `limit` ids (in id order) that pass `base` and `filter_`, as a query made of one id-ordered,
    limited query per branch (see `branches`); None when the filter is one branch (or too many), where a
    plain WHERE is as good."""
    split = branches(filter_)
    if split is None or len(split) < 2:
        return None
    parts = [
        select(id_column.label("id"))
        .where(*base, *(where(leaf, columns) for leaf in branch))
        .order_by(id_column)
        .limit(limit)
        .subquery()
        for branch in split
    ]
    union = union_all(*(select(part.c.id) for part in parts)).subquery()
    return select(union.c.id).distinct().order_by(union.c.id).limit(limit)
