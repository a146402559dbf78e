"""Which objects a principal may act on, as a condition over resource attributes that a database can run.

The engine builds a `Filter` from the grants and rules (principal values already substituted); the store
turns it into SQL (`rbac_api/store/object_filter.py`), and `matches` runs the same filter in Python. The tree
holds no negation: it is pushed into the leaves when the filter is built, so SQL's NULL never turns a "not"
into a "maybe", and each leaf states what a missing value (NULL / None) does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Value = int | str | bool | None

#: Comparison operators, and each one's opposite (what `!` turns it into).
OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
#: Each operator with its operands swapped (`1 < x` is `x > 1`).
MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


@dataclass(frozen=True, slots=True)
class Compare:
    """`attribute op value`. A missing attribute equals only None and is never less or greater."""

    attribute: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Match:
    """`left op right`, two attributes of the same object; None equals None, as in CEL."""

    left: str
    op: str
    right: str


@dataclass(frozen=True, slots=True)
class Within:
    """`attribute in values` (or not in them, when `negated`)."""

    attribute: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Filter, ...]


Filter = Compare | Match | Within | AllOf | AnyOf

#: Every object: an empty conjunction. `is EVERYTHING` is how callers spot "no filter needed".
EVERYTHING = AllOf(())
#: No object: an empty disjunction.
NOTHING = AnyOf(())


def all_of(items: list[Filter]) -> Filter:
    """The conjunction, simplified: NOTHING absorbs it, EVERYTHING drops out, one item stands alone."""
    kept: list[Filter] = []
    for item in items:
        if item == NOTHING:
            return NOTHING
        if item != EVERYTHING:
            kept.extend(item.items if isinstance(item, AllOf) else (item,))
    return kept[0] if len(kept) == 1 else (AllOf(tuple(kept)) if kept else EVERYTHING)


def any_of(items: list[Filter]) -> Filter:
    """The disjunction, simplified: EVERYTHING absorbs it, NOTHING drops out, one item stands alone."""
    kept: list[Filter] = []
    for item in items:
        if item == EVERYTHING:
            return EVERYTHING
        if item != NOTHING:
            kept.extend(item.items if isinstance(item, AnyOf) else (item,))
    return kept[0] if len(kept) == 1 else (AnyOf(tuple(kept)) if kept else NOTHING)


def constant(value: bool) -> Filter:
    return EVERYTHING if value else NOTHING


def matches(filter_: Filter, attributes: Mapping[str, Value]) -> bool:
    """Whether an object with `attributes` passes: what the SQL form selects, decided in Python."""
    if isinstance(filter_, AllOf):
        return all(matches(item, attributes) for item in filter_.items)
    if isinstance(filter_, AnyOf):
        return any(matches(item, attributes) for item in filter_.items)
    if isinstance(filter_, Compare):
        return compare(attributes.get(filter_.attribute), filter_.op, filter_.value)
    if isinstance(filter_, Match):
        return compare(attributes.get(filter_.left), filter_.op, attributes.get(filter_.right))
    found = attributes.get(filter_.attribute) in filter_.values
    return found != filter_.negated


def compare(left: Value, op: str, right: Value) -> bool:
    """One comparison with CEL's rules for null: it equals only null and orders with nothing."""
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if left is None or right is None:
        return False
    if op == "<":
        return left < right  # type: ignore[operator]
    if op == "<=":
        return left <= right  # type: ignore[operator]
    if op == ">":
        return left > right  # type: ignore[operator]
    return left >= right  # type: ignore[operator]
