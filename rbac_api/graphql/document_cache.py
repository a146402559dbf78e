"""A cache keyed by document text, bounded by entries and by an estimate of the memory they hold.

Anyone can send documents, so the bound must hold whatever they send: a count alone would let 1,000
documents of the longest allowed size, comments and all, stay in memory for good.
"""

from __future__ import annotations

import sys
from typing import Generic, TypeVar

from graphql import DocumentNode

T = TypeVar("T")

#: What the parsed form of a document keeps per token (nodes, locations and the linked tokens
#: themselves): tracemalloc measured 330-620 bytes across documents of many shapes; this leaves a margin.
AST_BYTES_PER_TOKEN = 800


class DocumentCache(Generic[T]):
    """Oldest first out: a hit costs one dictionary look-up, as an LRU's reordering would not."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: dict[str, tuple[T, int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, text: str) -> T | None:
        entry = self._entries.get(text)
        return None if entry is None else entry[0]

    def put(self, text: str, value: T, size: int) -> None:
        if size > self.max_bytes or self.max_entries < 1 or text in self._entries:
            return
        while self._entries and (
            len(self._entries) >= self.max_entries or self.bytes + size > self.max_bytes
        ):
            oldest = next(iter(self._entries))
            self.bytes -= self._entries.pop(oldest)[1]
        self._entries[text] = (value, size)
        self.bytes += size


def footprint(text: str, document: DocumentNode) -> int:
    """Bytes a cached document holds: its text; the values of its tokens, at most as many characters as
    the text but up to 4 bytes each (one escaped emoji widens a whole string); and the parsed form,
    estimated per token."""
    tokens = 0
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        tokens += 1
        token = token.next
    return sys.getsizeof(text) + 4 * len(text) + AST_BYTES_PER_TOKEN * tokens
