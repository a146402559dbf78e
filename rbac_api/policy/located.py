"""YAML nodes turned into plain mappings, lists and scalars that remember the line each came from.

PyYAML composes a document into nodes with marks (fast, in C when libyaml is present); this builds the
values the policy reader walks, resolving scalars the YAML 1.2 way and reporting duplicate keys instead of
silently keeping one.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_MERGE = "tag:yaml.org,2002:merge"
_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"


class YamlMap(dict[Any, Any]):
    """A mapping that remembers its own line and the line of each key (lines count from 1)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YamlSeq(list[Any]):
    """A list that remembers its own line and the line of each item."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def item_line(self, index: int) -> int:
        return self.item_lines[index]


class Builder:
    """Builds located values from one document's nodes, collecting duplicate keys as it goes."""

    def __init__(self) -> None:
        #: Each repeated key as (key, its line, the line of the first one); the first is kept.
        self.duplicates: list[tuple[Any, int, int]] = []
        self._scalars = SafeConstructor()
        self._built: dict[int, Any] = {}
        self._building: set[int] = set()

    def build(self, node: Node) -> Any:
        # Aliases share nodes: build each once, so `&a` / `*a` chains cannot blow up.
        known = self._built.get(id(node))
        if known is not None:
            return known
        if id(node) in self._building:
            raise ConstructorError(
                None, None, "cannot read value (an alias refers to itself)", node.start_mark
            )
        self._building.add(id(node))
        value = self._build(node)
        self._building.discard(id(node))
        self._built[id(node)] = value
        return value

    def _build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            sequence = YamlSeq(node.start_mark.line + 1)
            for item in node.value:
                sequence.append(self.build(item))
                sequence.item_lines.append(item.start_mark.line + 1)
            return sequence
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode) -> YamlMap:
        mapping = YamlMap(node.start_mark.line + 1)
        merged: list[YamlMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged += self._merge_sources(value_node)
                continue
            key, line = self._key(key_node), key_node.start_mark.line + 1
            if key in mapping.key_lines:
                self.duplicates.append((key, line, mapping.key_lines[key]))
                continue
            mapping[key] = self.build(value_node)
            mapping.key_lines[key] = line
        # `<<: *base` fills in keys the mapping does not set itself; they keep the line they were written on.
        for source in merged:
            for key, value in source.items():
                if key not in mapping.key_lines:
                    mapping[key] = value
                    mapping.key_lines[key] = source.key_line(key)
        return mapping

    def _merge_sources(self, node: Node) -> list[YamlMap]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        if not all(isinstance(source, MappingNode) for source in sources):
            message = "cannot read value ('<<' merges a mapping or a list of mappings only)"
            raise ConstructorError(None, None, message, node.start_mark)
        return [self.build(source) for source in sources]

    def _key(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            raise ConstructorError(
                None, None, "cannot read value (a key must be a plain name)", node.start_mark
            )
        return self._scalar(node)

    def _scalar(self, node: ScalarNode) -> Any:
        # YAML 1.2, as policy authors expect: `yes`, `off` and `1:20` are text, not a bool or a number.
        if not node.style and node.tag in (_BOOL, _INT, _FLOAT) and _yaml11_only(node):
            return node.value
        try:
            return self._scalars.construct_object(node)
        except (ValueError, KeyError, TypeError) as error:
            raise ConstructorError(None, None, f"cannot read value ({error})", node.start_mark) from error


def _yaml11_only(node: ScalarNode) -> bool:
    """Plain scalars PyYAML (YAML 1.1) reads as a bool or a number but YAML 1.2 reads as text."""
    if node.tag == _BOOL:
        return node.value.lower() not in ("true", "false")
    return ":" in node.value


def compose(text: str) -> Node | None:
    """The document's node tree, with libyaml's parser when it is installed.

    On a syntax error the pure-Python parser runs again, so messages read the same with or without libyaml.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


def kind_of(value: Any) -> str:
    """A YAML value described for a message: `found a list`, `found text 'x'`."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text '{value}'" if len(value) <= 40 else f"text '{value[:37]}...'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
