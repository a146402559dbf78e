"""Abuse limits on GraphQL documents, checked once per distinct document before graphql-core validates it.

Order matters: the length is checked before parsing, the token count while parsing, and the figures of
`cost.measure` (linear in the document) before graphql-core's validation rules, some of which take time
quadratic in the document. A document over any limit is refused without running them at all, so an
unseen document cannot hold the event loop for long.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, GraphQLSchema, StringValueNode, Visitor, visit

from rbac_api.core.errors import InvalidInput
from rbac_api.core.text import NUL, NUL_MESSAGE
from rbac_api.graphql.cost import Caps, Figures, measure

#: The largest page a list field's `first` may ask for (the service's schema refuses more).
MAX_PAGE = 100


def page_size(first: int) -> int:
    """A list field's `first`, checked: `InvalidInput` on field `first` outside 1 to `MAX_PAGE`."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-document limits. `max_comparisons` and `max_selections` keep graphql-core's validation of any
    document that passes them to a few tens of milliseconds (measured with its default token limit)."""

    max_depth: int = 10
    max_aliases: int = 20
    max_complexity: int = 5000
    max_tokens: int = 2000
    max_query_length: int = 32 * 1024
    max_comparisons: int = 5000
    max_selections: int = 5000
    max_page: int = MAX_PAGE
    introspection: bool = True
    suggestions: bool = True

    def caps(self) -> Caps:
        return Caps(
            depth=self.max_depth + 1,
            aliases=self.max_aliases + 1,
            complexity=self.max_complexity + 1,
            comparisons=self.max_comparisons + 1,
            selections=self.max_selections + 1,
            max_page=self.max_page,
        )


def length_refusal(query: str, limits: Limits) -> GraphQLError:
    return GraphQLError(
        f"Query is {len(query)} characters long; the limit is {limits.max_query_length}. "
        "Send a shorter document (comments and white space count)"
    )


def cost_refusals(document: DocumentNode, schema: GraphQLSchema, limits: Limits) -> list[GraphQLError]:
    """Every limit the document exceeds, as errors for the client; empty when it is within all of them."""
    cost = measure(document, schema, limits.caps())
    refusals = [
        GraphQLError(message, operation)
        for operation, figures in cost.operations
        for message in _exceeded(figures, limits)
    ]
    if cost.too_many_selections:
        refusals.append(
            GraphQLError(
                f"Query has more than {limits.max_selections} selections once fragments are expanded; "
                "spread fragments fewer times or split the query"
            )
        )
    elif cost.comparisons > limits.max_comparisons:
        refusals.append(
            GraphQLError(
                f"Query repeats fields too often to be checked: more than {limits.max_comparisons} pairs of "
                "fields answer at the same place (fragments expanded), or of fragments are spread side by "
                "side; select each field once per object"
            )
        )
    return refusals


def _exceeded(figures: Figures, limits: Limits) -> Iterator[str]:
    if figures.depth > limits.max_depth:
        yield (
            f"Query is nested deeper than the limit of {limits.max_depth} levels; "
            "split it into several queries"
        )
    if figures.aliases > limits.max_aliases:
        yield (
            f"Operation uses more than {limits.max_aliases} aliases (fragments included); "
            "use fewer aliases or split the operation"
        )
    if figures.complexity > limits.max_complexity:
        yield (
            f"Query complexity is over the limit of {limits.max_complexity}: each field counts 1, times the "
            "page size (`first`) of the lists above it, fragments included; ask for fewer fields or smaller "
            "pages, or split the query"
        )


def nul_literals(document: DocumentNode) -> list[GraphQLError]:
    """String literals holding a NUL character (written `\\u0000`): refused like any other bad input."""
    found: list[GraphQLError] = []

    class Strings(Visitor):
        def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
            if NUL in node.value and not found:
                found.append(GraphQLError(f"A string argument {NUL_MESSAGE}", node))

    visit(document, Strings())
    return found
