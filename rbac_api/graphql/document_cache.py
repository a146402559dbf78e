"""A cache keyed by document text, bounded by entries and by an estimate of the memory they hold.

Anyone can send documents, so the bound must hold whatever they send: a count alone would let 1,000
documents of the longest allowed size, comments and all, stay in memory for good.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Generic, TypeVar

from graphql import DocumentNode

T = TypeVar("T")

#: What the parsed form of a document keeps per token (nodes, locations and the linked tokens
#: themselves): tracemalloc measured 330-620 bytes across documents of many shapes; this leaves a margin.
AST_BYTES_PER_TOKEN = 800


class DocumentCache(Generic[T]):
    """Oldest first out, so that a hit is one dictionary look-up (an LRU would reorder on every hit)."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._values: dict[str, T] = {}
        self._sizes: dict[str, int] = {}
        self.get: Callable[[str], T | None] = self._values.get

    def __len__(self) -> int:
        return len(self._values)

    def put(self, text: str, value: T, size: int) -> None:
        if size > self.max_bytes or self.max_entries < 1 or text in self._values:
            return
        while self._values and (len(self._values) >= self.max_entries or self.bytes + size > self.max_bytes):
            oldest = next(iter(self._values))
            del self._values[oldest]
            self.bytes -= self._sizes.pop(oldest)
        self._values[text] = value
        self._sizes[text] = size
        self.bytes += size


def footprint(text: str, document: DocumentNode) -> int:
    """Bytes a cached document holds: its text; the values of its tokens, at most as many characters as
    the text but up to 4 bytes each (one escaped emoji widens a whole string); the index of its line
    breaks (4 bytes each, built on its first error); and the parsed form, estimated per token."""
    tokens = 0
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        tokens += 1
        token = token.next
    return sys.getsizeof(text) + 8 * len(text) + AST_BYTES_PER_TOKEN * tokens
