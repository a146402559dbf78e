"""Abuse limits as validation rules, so they run once per distinct document (results are cached).

Both walk fragment spreads with memoisation and a cycle guard: circular fragments are reported by
graphql-core's own rule, and must not send these into unbounded recursion first.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


class _Walker:
    """Depth and alias count of selection sets, expanding fragment spreads."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], depth_cap: int) -> None:
        self.fragments = fragments
        self.depth_cap = depth_cap
        self._aliases: dict[str, int] = {}
        self._visiting: set[str] = set()

    def depth(self, selection_set: SelectionSetNode, level: int) -> int:
        """Deepest field level in `selection_set`, whose fields sit at `level`; stops once past the cap."""
        if level > self.depth_cap:
            return level
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection: bounded by the token limit, and on/off by its own setting
                below = selection.selection_set
                deepest = max(deepest, self.depth(below, level + 1) if below else level)
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.depth(selection.selection_set, level))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(
                    deepest,
                    self._spread(selection.name.value, lambda f: self.depth(f.selection_set, level), 0),
                )
        return deepest

    def aliases(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += (selection.alias is not None) + self.aliases(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                count += self.aliases(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in self._aliases:
                    self._aliases[name] = self._spread(name, lambda f: self.aliases(f.selection_set), 0)
                count += self._aliases[name]
        return count

    def _spread(self, name: str, measure: Any, default: int) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self._visiting:
            return default
        self._visiting.add(name)
        try:
            result: int = measure(fragment)
            return result
        finally:
            self._visiting.discard(name)


def depth_limit(max_depth: int) -> type[ASTValidationRule]:
    class MaxDepth(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            walker = _Walker(_fragments(document), max_depth)
            for operation in _operations(document):
                if walker.depth(operation.selection_set, 1) > max_depth:
                    context.report_error(
                        GraphQLError(
                            f"Query is nested deeper than the limit of {max_depth} levels; "
                            "split it into several queries",
                            operation,
                        )
                    )

    return MaxDepth


def alias_limit(max_aliases: int) -> type[ASTValidationRule]:
    class MaxAliases(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            walker = _Walker(_fragments(document), depth_cap=0)
            for operation in _operations(document):
                count = walker.aliases(operation.selection_set)
                if count > max_aliases:
                    message = (
                        f"Operation uses {count} aliases (fragments included); the limit is {max_aliases}"
                    )
                    context.report_error(GraphQLError(message, operation))

    return MaxAliases
