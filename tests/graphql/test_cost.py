"""The cost of a document: figures counted through fragments, once per fragment, with saturating caps."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from graphql import GraphQLSchema, build_schema, parse
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.graphql.cost import Caps, DocumentCost, Figures, measure
from rbac_api.graphql.schema import build_schema as build_service_schema

SERVICE = build_service_schema()._schema
# A schema small enough to generate documents for: lists with and without a default page size.
NODES = build_schema(
    """
    type Query { node: Node nodes(first: Int): [Node!]! leaf: Int }
    type Node { node: Node nodes(first: Int = 3): [Node!]! leaf: Int }
    """
)
UNCAPPED = Caps(
    depth=10**6, aliases=10**9, complexity=10**18, comparisons=10**9, selections=10**9, max_page=100
)


def cost(query: str, schema: GraphQLSchema = SERVICE, caps: Caps = UNCAPPED) -> DocumentCost:
    return measure(parse(query), schema, caps)


def figures(query: str, schema: GraphQLSchema = SERVICE, caps: Caps = UNCAPPED) -> Figures:
    [(_, measured)] = cost(query, schema, caps).operations
    return measured


def fan_out(n: int, leaf: str = "__typename") -> str:
    """Each fragment spreads the next one twice: 2**n fields once expanded."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    return f"{{ ...F0 }} {chain} fragment F{n} on Query {{ {leaf} }}"


def test_a_page_of_users_costs_its_page_size_times_what_each_user_costs() -> None:
    query = "{ users(first: 100) { edges { node { username email roles { name scopes } } } } }"
    # roles 1+2, node 1+(2+3), edges 1+6, users 1 + 100 * 7
    assert figures(query) == Figures(depth=5, aliases=0, complexity=701)


def test_a_page_size_from_a_variable_counts_as_the_largest_page() -> None:
    query = "query($n: Int = 2) { users(first: $n) { edges { cursor } } }"
    assert figures(query).complexity == 1 + 100 * 2


def test_an_omitted_page_size_counts_as_the_fields_default() -> None:
    assert figures("{ users { edges { cursor } } }").complexity == 1 + 50 * 2


def test_a_list_without_a_page_size_argument_counts_once() -> None:
    assert figures("{ roles { name scopes } }").complexity == 3


def test_a_page_size_of_thousands_of_digits_saturates_instead_of_converting() -> None:
    caps = replace(UNCAPPED, complexity=5001)
    query = "{ users(first: " + "9" * 5000 + ") { edges { cursor } } }"
    assert figures(query, caps=caps).complexity == 5001


def test_a_fragment_counts_its_depth_from_where_it_is_spread() -> None:
    fragment = "fragment R on User { roles { name } }"
    assert figures("{ me { ...R } } " + fragment).depth == 3
    assert figures("{ users { edges { node { ...R } } } } " + fragment).depth == 5


def test_aliases_count_each_time_their_fragment_is_spread() -> None:
    query = "{ ...F ...F } fragment F on Query { a: can(scopes: []) b: can(scopes: []) }"
    assert figures(query).aliases == 4


def test_introspection_fields_do_not_count_towards_depth() -> None:
    assert figures("{ __schema { types { fields { type { ofType { name } } } } } }").depth == 0


def test_a_fan_out_of_fragments_is_measured_once_per_fragment() -> None:
    # 2**200 fields once expanded: this returns at once only because each fragment is measured once.
    caps = replace(UNCAPPED, complexity=5001, comparisons=5001, selections=5001)
    measured = cost(fan_out(200), caps=caps)
    assert measured.operations[0][1].complexity == 5001
    assert measured.comparisons == 5001


def test_circular_fragments_are_measured_without_recursing_forever() -> None:
    query = "{ ...A } fragment A on Query { me { ...B } } fragment B on Query { ...A __typename }"
    assert figures(query).complexity >= 1


def test_a_spread_of_an_unknown_fragment_adds_nothing() -> None:
    assert figures("{ __typename ...Missing }") == Figures(depth=0, aliases=0, complexity=1)


def test_a_chain_longer_than_the_recursion_limit_is_measured() -> None:
    n = 3000
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(n))
    query = f"{{ ...F0 }} {chain} fragment F{n} on Query {{ __typename }}"
    assert figures(query).complexity == 1


def test_each_repeated_field_is_compared_with_every_earlier_one_at_its_path() -> None:
    assert cost("{ " + "me { username } " * 4 + "}").comparisons == 6 + 6


def test_fragments_spread_into_one_level_are_compared_pairwise() -> None:
    fragments = " ".join(f"fragment A{i} on Query {{ f{i}: __typename }}" for i in range(5))
    query = "{ " + " ".join(f"...A{i}" for i in range(5)) + " } " + fragments
    assert cost(query).comparisons == 10


def test_expansion_stops_at_the_selection_cap_and_says_so() -> None:
    caps = replace(UNCAPPED, selections=100)
    operations = " ".join(f"query Q{i} {{ ...F }}" for i in range(30))
    measured = cost(operations + " fragment F on Query { __typename me { id } }", caps=caps)
    assert measured.too_many_selections


# Property: a document measures the same whether its selections are written in place or spread from
# fragments, and every capped figure is the uncapped one cut at its cap.


@dataclass
class Selection:
    name: str
    alias: str | None = None
    first: int | str | None = None
    children: list[Selection] = field(default_factory=list)
    as_fragment: bool = False

    def render(self, fragments: list[str] | None) -> str:
        head = (f"{self.alias}: " if self.alias else "") + self.name
        if self.first is not None:
            head += f"(first: {self.first})"
        if not self.children:
            return head
        inner = " ".join(child.render(fragments) for child in self.children)
        if fragments is None or not self.as_fragment:
            return f"{head} {{ {inner} }}"
        name = f"F{len(fragments)}"
        fragments.append(f"fragment {name} on Node {{ {inner} }}")
        return f"{head} {{ ...{name} }}"


def selections(depth: int) -> st.SearchStrategy[list[Selection]]:
    leaf = st.builds(Selection, name=st.just("leaf"), alias=st.sampled_from([None, "x"]))
    if depth == 0:
        return st.lists(leaf, min_size=1, max_size=3)
    parent = st.builds(
        Selection,
        name=st.just("node"),
        alias=st.sampled_from([None, "y"]),
        children=st.deferred(lambda: selections(depth - 1)),
        as_fragment=st.booleans(),
    )
    pages = st.sampled_from([None, 0, 1, 7, 250, "$n"])
    lists = st.tuples(parent, pages).map(lambda p: replace(p[0], name="nodes", first=p[1]))
    return st.lists(st.one_of(leaf, parent, lists), min_size=1, max_size=3)


def document(top: list[Selection], *, with_fragments: bool) -> str:
    fragments: list[str] | None = [] if with_fragments else None
    body = " ".join(s.render(fragments) for s in top)
    return f"query($n: Int) {{ {body} }} " + " ".join(fragments or [])


@given(selections(4))
def test_fragments_measure_the_same_as_their_selections_written_in_place(top: list[Selection]) -> None:
    assert figures(document(top, with_fragments=True), NODES) == figures(
        document(top, with_fragments=False), NODES
    )


@given(selections(4), st.integers(1, 40), st.integers(0, 5), st.integers(0, 60))
def test_capped_figures_are_the_true_figures_cut_at_their_caps(
    top: list[Selection], depth: int, aliases: int, complexity: int
) -> None:
    query = document(top, with_fragments=True)
    caps = replace(UNCAPPED, depth=depth, aliases=aliases, complexity=complexity)
    true = figures(query, NODES)
    assert figures(query, NODES, caps) == Figures(
        min(true.depth, depth), min(true.aliases, aliases), min(true.complexity, complexity)
    )
