"""What a GraphQL document costs, measured in time linear in its size before graphql-core validates it.

Fragments are measured once each, in dependency order, and a spread adds its fragment's figures where
it stands: fragments that each spread the next one twice cost n steps here, not 2**n. Every figure
saturates at a cap (its limit + 1), since past the limit only "too much" matters, and so a huge
multiplier stays a small integer. A spread that closes a cycle or names no fragment adds nothing:
graphql-core's own rules report those.

`comparisons` estimates the work of graphql-core's OverlappingFieldsCanBeMergedRule, which is quadratic:
it compares every pair of fields that answer at the same response path (fragments expanded) and every
pair of fragments spread into the same response level. Counting them needs the expansion, so that part
visits at most `Caps.selections` selections and reports when the document would need more.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)


@dataclass(frozen=True, slots=True)
class Caps:
    """Where each figure stops counting: one above its limit."""

    depth: int
    aliases: int
    complexity: int
    comparisons: int
    selections: int
    #: What a page-size argument (`first`) given by a variable counts as: the largest page it may ask.
    max_page: int


class Figures(NamedTuple):
    """Depth (levels of fields, introspection excluded), aliases and complexity of a selection."""

    depth: int = 0
    aliases: int = 0
    complexity: int = 0


@dataclass(frozen=True, slots=True)
class DocumentCost:
    """Each operation's figures, and what checking the document as a whole would cost graphql-core."""

    operations: tuple[tuple[OperationDefinitionNode, Figures], ...]
    comparisons: int
    #: True when expanding fragments would visit more than `Caps.selections` selections.
    too_many_selections: bool


def measure(document: DocumentNode, schema: GraphQLSchema, caps: Caps) -> DocumentCost:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    spreads = _spreads_of(fragments, operations)
    order, back_edges = _dependency_order(spreads)
    measurer = _Measurer(schema, caps)
    for name in order:
        fragment = fragments[name]
        parent = schema.get_type(fragment.type_condition.name.value)
        measurer.fragments[name] = measurer.selection_set(fragment.selection_set, parent)
    measured = tuple((op, measurer.selection_set(op.selection_set, _root(schema, op))) for op in operations)
    expansion = _Expansion(fragments, back_edges, caps)
    for root, owner in _expansion_roots(operations, fragments, spreads):
        expansion.expand(root, owner)
    return DocumentCost(measured, min(caps.comparisons, expansion.pairs), expansion.exhausted)


def _root(schema: GraphQLSchema, operation: OperationDefinitionNode) -> GraphQLNamedType | None:
    return schema.get_root_type(operation.operation)


def _spreads_of(
    fragments: Mapping[str, FragmentDefinitionNode], operations: list[OperationDefinitionNode]
) -> dict[str | None, list[str]]:
    """The fragments each fragment spreads anywhere inside it, and (under None) those the operations do."""
    spreads: dict[str | None, list[str]] = {None: []}
    definitions: list[tuple[str | None, SelectionSetNode]] = [
        *((name, f.selection_set) for name, f in fragments.items()),
        *((None, op.selection_set) for op in operations),
    ]
    for owner, selection_set in definitions:
        names = spreads.setdefault(owner, [])
        pending = [selection_set]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FragmentSpreadNode):
                    names.append(selection.name.value)
                elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                    pending.append(selection.selection_set)
    return spreads


def _dependency_order(spreads: Mapping[str | None, list[str]]) -> tuple[list[str], set[tuple[str, str]]]:
    """Fragments with every fragment they spread first, without recursion; and the spreads that close
    a cycle (as (fragment, spread fragment) pairs), which every later pass skips."""
    order: list[str] = []
    done: set[str] = set()
    back_edges: set[tuple[str, str]] = set()
    for root in (name for name in spreads if name is not None):
        if root in done:
            continue
        path = [(root, iter(spreads[root]))]
        on_path = {root}
        while path:
            name, pending = path[-1]
            for spread in pending:
                if spread in on_path:
                    back_edges.add((name, spread))
                elif spread in spreads and spread not in done:
                    path.append((spread, iter(spreads[spread])))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
    return order, back_edges


class _Measurer:
    """Depth, aliases and complexity of selection sets, given the figures of the fragments they spread."""

    def __init__(self, schema: GraphQLSchema, caps: Caps) -> None:
        self.schema = schema
        self.caps = caps
        self.fragments: dict[str, Figures] = {}

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Figures:
        depth = aliases = complexity = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                figures = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                figures = self.selection_set(
                    selection.selection_set, self._type(selection.type_condition, parent)
                )
            elif isinstance(selection, FragmentSpreadNode):
                figures = self.fragments.get(selection.name.value, Figures())
            else:  # pragma: no cover (no other kind of selection exists)
                continue
            depth = max(depth, figures.depth)
            aliases += figures.aliases
            complexity += figures.complexity
        caps = self.caps
        return Figures(min(depth, caps.depth), min(aliases, caps.aliases), min(complexity, caps.complexity))

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Figures:
        definition = _field(parent, node.name.value)
        below = Figures()
        if node.selection_set is not None:
            below = self.selection_set(node.selection_set, _type_of(definition))
        # Introspection does not count towards depth: it is bounded by the schema, and has its own switch.
        depth = 0 if node.name.value.startswith("__") else 1 + below.depth
        complexity = 1 + self.multiplier(node, definition) * below.complexity
        return Figures(depth, (node.alias is not None) + below.aliases, complexity)

    def multiplier(self, node: FieldNode, definition: GraphQLField | None) -> int:
        """How many times the selection below `node` is answered: its page size, `first`."""
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = argument.value
                if not isinstance(value, IntValueNode):
                    return self.caps.max_page  # a variable: any page size up to the maximum
                return max(1, min(_int(value.value), self.caps.complexity))
        declared = definition.args.get("first") if definition is not None else None
        return 1 if declared is None else _default_page(declared, self.caps.max_page)

    def _type(
        self, condition: NamedTypeNode | None, parent: GraphQLNamedType | None
    ) -> GraphQLNamedType | None:
        return parent if condition is None else self.schema.get_type(condition.name.value)


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None


def _type_of(definition: GraphQLField | None) -> GraphQLNamedType | None:
    return None if definition is None else get_named_type(definition.type)


def _int(digits: str) -> int:
    # A literal of thousands of digits would make int() slow (or refuse): it is "huge" in any case.
    return int(digits) if len(digits) <= 18 else 10**18


def _default_page(argument: GraphQLArgument, max_page: int) -> int:
    default = argument.default.value if argument.default is not None else argument.default_value
    if isinstance(default, int) and not isinstance(default, bool) and default > 0:
        return default
    return max_page


class _Level:
    """One response level of the expansion: fields by response name, and how many fragments landed here."""

    __slots__ = ("fields", "spreads")

    def __init__(self) -> None:
        self.fields: dict[str, tuple[list[int], _Level]] = {}
        self.spreads = 0


class _Expansion:
    """Fields by response path, fragments expanded, counting the pairs graphql-core compares: fields at
    the same path, and fragments spread into the same response level."""

    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], back_edges: set[tuple[str, str]], caps: Caps
    ) -> None:
        self.fragments = fragments
        self.back_edges = back_edges
        self.caps = caps
        self.pairs = 0
        self.visited = 0
        self.exhausted = False

    def expand(self, root: SelectionSetNode, owner: str | None) -> None:
        """Counts without recursion; stops at the cap of selections or of comparisons."""
        pending: list[tuple[SelectionSetNode, _Level, str | None]] = [(root, _Level(), owner)]
        while pending and not self.exhausted and self.pairs < self.caps.comparisons:
            selection_set, level, owner = pending.pop()
            self.visited += len(selection_set.selections)
            self.exhausted = self.visited > self.caps.selections
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    count, below = level.fields.setdefault(
                        (selection.alias or selection.name).value, ([0], _Level())
                    )
                    self.pairs += count[0]  # the (k+1)th field at a path pairs with the k before it
                    count[0] += 1
                    if selection.selection_set is not None:
                        pending.append((selection.selection_set, below, owner))
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set, level, owner))
                elif isinstance(selection, FragmentSpreadNode) and self._follows(owner, selection.name.value):
                    self.pairs += level.spreads
                    level.spreads += 1
                    name = selection.name.value
                    pending.append((self.fragments[name].selection_set, level, name))

    def _follows(self, owner: str | None, name: str) -> bool:
        return name in self.fragments and (owner is None or (owner, name) not in self.back_edges)


def _expansion_roots(
    operations: list[OperationDefinitionNode],
    fragments: Mapping[str, FragmentDefinitionNode],
    spreads: Mapping[str | None, list[str]],
) -> Iterator[tuple[SelectionSetNode, str | None]]:
    """Every operation, and every fragment no operation reaches (graphql-core checks those too)."""
    reached: set[str] = set()
    pending = list(spreads[None])
    while pending:
        name = pending.pop()
        if name in fragments and name not in reached:
            reached.add(name)
            pending.extend(spreads[name])
    for operation in operations:
        yield operation.selection_set, None
    for name, fragment in fragments.items():
        if name not in reached:
            yield fragment.selection_set, name
