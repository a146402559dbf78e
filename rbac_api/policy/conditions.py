"""A rule's `when:`, checked against the resource's declared attributes and compiled once, at policy load.

A compiled `Condition` answers two questions that must always agree: `test` decides one object (Python
closures, well under a microsecond), and `residual` gives, for one principal, the `Filter` a database runs to
find every object `test` would accept. Types are checked at load: comparing text with a number, ordering text
(databases collate it differently), or reading an attribute the resource does not declare is a load error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from rbac_api.policy import cel
from rbac_api.policy.cel import CelError
from rbac_api.policy.filters import (
    MIRRORED,
    OPPOSITE,
    Compare,
    Filter,
    Match,
    Value,
    Within,
    all_of,
    any_of,
    constant,
)

BASE_TYPES = ("int", "string", "bool")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_PYTHON_TYPES: dict[str, type] = {"int": int, "string": str, "bool": bool}


@dataclass(frozen=True, slots=True)
class AttributeType:
    """A declared attribute's type: `int`, `string` or `bool`; `nullable` when written with a trailing `?`."""

    base: str
    nullable: bool = False

    def __str__(self) -> str:
        return self.base + ("?" if self.nullable else "")


class Subject(NamedTuple):
    """The principal as a condition reads it. `roles` and `scopes` are those held globally.

    A NamedTuple: one is built per object decision that reaches a condition, and must stay cheap.
    """

    id: int
    username: str
    roles: frozenset[str]
    scopes: frozenset[str]


PRINCIPAL_FIELDS = {
    "id": "int",
    "username": "string",
    "roles": "list<string>",
    "scopes": "list<string>",
}

_Test = Callable[[Subject, Mapping[str, object]], object]


class _Mismatch(Exception):
    """An object's attribute is missing or not of its declared type: the condition fails closed."""


class Condition:
    """A checked `when:`; built by `compile_condition` only."""

    __slots__ = ("_node", "_plan", "_test", "attributes", "source")

    def __init__(self, source: str, node: cel.Node, attributes: Mapping[str, AttributeType], used: set[str]):
        self.source = source
        #: The resource attributes the condition reads.
        self.attributes = frozenset(used)
        self._plan = _Plan(attributes)
        self._test = self._plan.compile(node)
        self._node = node

    def __eq__(self, other: object) -> bool:
        """The same text over the same attribute types compiles to the same test: policies compare equal
        across a reload, or across processes, when their rules do."""
        if not isinstance(other, Condition):
            return NotImplemented
        return self.source == other.source and dict(self._plan.attributes) == dict(other._plan.attributes)

    def __hash__(self) -> int:
        return hash(self.source)

    def __reduce__(self) -> tuple[type[Condition], tuple[object, ...]]:
        """Pickled as its checked tree, compiled again on arrival: closures cannot be pickled, and a
        policy checked in a child process (`rbac_api.reload`) carries its conditions back this way."""
        return Condition, (self.source, self._node, dict(self._plan.attributes), set(self.attributes))

    def test(self, subject: Subject, attributes: Mapping[str, object]) -> bool:
        """Whether the condition holds for this object; false when an attribute is missing or mistyped."""
        try:
            return self._test(subject, attributes) is True
        except _Mismatch:
            return False

    def residual(self, subject: Subject) -> Filter:
        """The objects for which `test(subject, ...)` holds, as a filter over their attributes."""
        return self._plan.residual(self._node, subject, negate=False)


def compile_condition(text: str, attributes: Mapping[str, AttributeType], resource: str) -> Condition:
    """Parse, type-check and compile `text` for a resource with `attributes`.

    Raises:
        CelError: naming the problem and its column.
    """
    node = cel.parse(text)
    checker = _Checker(attributes, resource)
    found = checker.type_of(node)
    if found != "bool":
        raise CelError(f"a condition must be true or false; this one is {found}", node.column)
    return Condition(text, node, attributes, checker.used)


class _Checker:
    def __init__(self, attributes: Mapping[str, AttributeType], resource: str) -> None:
        self._attributes = attributes
        self._resource = resource
        self.used: set[str] = set()

    def type_of(self, node: cel.Node) -> str:
        """The node's type: a base type, "null", "list<...>", or a base type ending in "?" (nullable)."""
        if isinstance(node, cel.Literal):
            return _literal_type(node.value)
        if isinstance(node, cel.ListOf):
            return self._list_type(node)
        if isinstance(node, cel.Field):
            return self._field_type(node)
        if isinstance(node, cel.Not):
            self._expect_bool(node.operand, "'!'")
            return "bool"
        if isinstance(node, cel.Logical):
            for operand in node.operands:
                self._expect_bool(operand, f"'{node.op}'")
            return "bool"
        return self._relation_type(node)

    def _list_type(self, node: cel.ListOf) -> str:
        kinds = {_literal_type(item.value) for item in node.items}
        if "null" in kinds:
            raise CelError(
                "null cannot be listed: write `resource.x == null || resource.x in [...]`", node.column
            )
        if len(kinds) > 1:
            raise CelError(
                f"a list must hold one type; this one mixes {' and '.join(sorted(kinds))}", node.column
            )
        return f"list<{kinds.pop() if kinds else 'any'}>"

    def _field_type(self, node: cel.Field) -> str:
        if node.root == "principal":
            if node.name not in PRINCIPAL_FIELDS:
                known = ", ".join(PRINCIPAL_FIELDS)
                raise CelError(f"principal has no field '{node.name}' (it has {known})", node.column)
            return PRINCIPAL_FIELDS[node.name]
        declared = self._attributes.get(node.name)
        if declared is None:
            known = ", ".join(sorted(self._attributes)) or "none"
            message = f"unknown attribute '{node.name}' of resource '{self._resource}' (declared: {known})"
            raise CelError(message, node.column)
        self.used.add(node.name)
        return str(declared)

    def _expect_bool(self, node: cel.Node, where: str) -> None:
        found = self.type_of(node)
        if found != "bool":
            raise CelError(f"{where} needs true or false; found {found}", node.column)

    def _relation_type(self, node: cel.Relation) -> str:
        for side in (node.left, node.right):
            if not isinstance(side, cel.Literal | cel.ListOf | cel.Field):
                message = (
                    "compare values (attributes, principal fields, literals), not conditions; use && and ||"
                )
                raise CelError(message, side.column)
        left, right = self.type_of(node.left), self.type_of(node.right)
        if node.op == "in":
            _check_in(left, right, node.column)
        elif node.op in ("==", "!="):
            _check_equality(left, right, node)
        else:
            _check_order(left, right, node)
        return "bool"


def _literal_type(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return "int" if isinstance(value, int) else "string"


def _check_in(left: str, right: str, column: int) -> None:
    if not right.startswith("list<"):
        raise CelError(f"'in' needs a list on its right; found {right}", column)
    if left.startswith("list<"):
        raise CelError("'in' needs a single value on its left, not a list", column)
    element = right[5:-1]
    if element != "any" and left.rstrip("?") != element:
        raise CelError(f"'in' looks for {left} in a list of {element}", column)


def _check_equality(left: str, right: str, node: cel.Relation) -> None:
    if left.startswith("list<") or right.startswith("list<"):
        raise CelError(f"lists compare only with 'in', not '{node.op}'", node.column)
    if "null" in (left, right):
        other, side = (right, node.right) if left == "null" else (left, node.left)
        if other != "null" and not other.endswith("?"):
            raise CelError(
                f"{_describe(side)} is never null (declare it '{other}?' if it can be)", node.column
            )
        return
    if left.rstrip("?") != right.rstrip("?"):
        raise CelError(f"cannot compare {left.rstrip('?')} with {right.rstrip('?')}", node.column)


def _check_order(left: str, right: str, node: cel.Relation) -> None:
    for found, side in ((left, node.left), (right, node.right)):
        if found.endswith("?") or found == "null":
            message = f"'{node.op}' on {_describe(side)}, which can be null; compare with == or != instead"
            raise CelError(message, node.column)
        if found != "int":
            raise CelError(f"'{node.op}' orders numbers only; {_describe(side)} is {found}", node.column)


def _describe(node: cel.Node) -> str:
    if isinstance(node, cel.Field):
        return f"'{node.root}.{node.name}'"
    return "null" if isinstance(node, cel.Literal) and node.value is None else "a literal"


class _Plan:
    """Every node compiled once into a closure, and which nodes read the resource: residuals run per request,
    so they must not re-walk or re-compile the tree."""

    def __init__(self, attributes: Mapping[str, AttributeType]) -> None:
        self.attributes = attributes
        self._tests: dict[int, _Test] = {}
        self._reads: set[int] = set()

    def compile(self, node: cel.Node) -> _Test:
        test = self._compile(node)
        self._tests[id(node)] = test
        if self._reads_resource(node):
            self._reads.add(id(node))
        return test

    def _reads_resource(self, node: cel.Node) -> bool:
        if isinstance(node, cel.Field):
            return node.root == "resource"
        children = _children(node)
        return any(id(child) in self._reads for child in children)

    def _compile(self, node: cel.Node) -> _Test:
        if isinstance(node, cel.Literal):
            value = node.value
            return lambda s, r: value
        if isinstance(node, cel.ListOf):
            values = frozenset(item.value for item in node.items)
            return lambda s, r: values
        if isinstance(node, cel.Field):
            return _reader(node, self.attributes)
        if isinstance(node, cel.Not):
            operand = self.compile(node.operand)
            return lambda s, r: not operand(s, r)
        if isinstance(node, cel.Logical):
            return _logical(node.op == "&&", tuple(self.compile(operand) for operand in node.operands))
        left, right = self.compile(node.left), self.compile(node.right)
        if node.op == "in":
            return lambda s, r: left(s, r) in right(s, r)  # type: ignore[operator]
        # Python's operators are CEL's here: the checker let only same-typed operands through, ordered ones
        # are never null, and a value of the wrong type at run time fails the read (`_Mismatch`) first.
        op = _OPERATORS[node.op]
        if isinstance(node.right, cel.Literal):
            value = node.right.value
            return lambda s, r: op(left(s, r), value)
        return lambda s, r: op(left(s, r), right(s, r))

    def residual(self, node: cel.Node, subject: Subject, *, negate: bool) -> Filter:
        if id(node) not in self._reads:
            return constant(bool(self._tests[id(node)](subject, {})) != negate)
        if isinstance(node, cel.Field):  # a bool attribute standing alone
            return Compare(node.name, "==", not negate)
        if isinstance(node, cel.Not):
            return self.residual(node.operand, subject, negate=not negate)
        if isinstance(node, cel.Logical):
            parts = [self.residual(operand, subject, negate=negate) for operand in node.operands]
            return all_of(parts) if (node.op == "&&") != negate else any_of(parts)
        assert isinstance(node, cel.Relation)
        return self._relation(node, subject, negate)

    def _relation(self, node: cel.Relation, subject: Subject, negate: bool) -> Filter:
        left, right = node.left, node.right
        if node.op == "in":
            assert isinstance(left, cel.Field)
            values = self._tests[id(right)](subject, {})
            assert isinstance(values, frozenset)
            return Within(left.name, tuple(sorted(values, key=repr)), negated=negate)
        op = OPPOSITE[node.op] if negate else node.op
        if id(left) in self._reads and id(right) in self._reads:
            assert isinstance(left, cel.Field)
            assert isinstance(right, cel.Field)
            return Match(left.name, op, right.name)
        if id(left) not in self._reads:
            left, right, op = right, left, MIRRORED[op]
        assert isinstance(left, cel.Field)
        return Compare(left.name, op, self._tests[id(right)](subject, {}))  # type: ignore[arg-type]


def _children(node: cel.Node) -> tuple[cel.Node, ...]:
    if isinstance(node, cel.Not):
        return (node.operand,)
    if isinstance(node, cel.Logical):
        return node.operands
    if isinstance(node, cel.Relation):
        return (node.left, node.right)
    return ()


def _logical(conjunction: bool, operands: tuple[_Test, ...]) -> _Test:
    # Plain loops rather than all()/any() over a generator: this runs inside every object decision.
    if conjunction:

        def every(s: Subject, r: Mapping[str, object]) -> object:
            for operand in operands:  # noqa: SIM110
                if not operand(s, r):
                    return False
            return True

        return every

    def some(s: Subject, r: Mapping[str, object]) -> object:
        for operand in operands:  # noqa: SIM110
            if operand(s, r):
                return True
        return False

    return some


def _reader(node: cel.Field, attributes: Mapping[str, AttributeType]) -> _Test:
    name = node.name
    if node.root == "principal":
        return lambda s, r: getattr(s, name)
    declared = attributes[name]
    kind, nullable = _PYTHON_TYPES[declared.base], declared.nullable

    def read(s: Subject, r: Mapping[str, object]) -> object:
        value = r.get(name, _Mismatch)
        # `type(...) is` and not isinstance: True is not an int here, as in CEL.
        if type(value) is kind or (value is None and nullable):
            return value
        raise _Mismatch(name)

    return read
