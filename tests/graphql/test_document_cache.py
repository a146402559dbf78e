"""The cache of prepared documents: only valid documents, within a bound on entries and on memory."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import pytest
from graphql import get_introspection_query, parse

from rbac_api.graphql.document_cache import DocumentCache, footprint
from rbac_api.graphql.execution import Executor
from rbac_api.graphql.limits import Limits
from rbac_api.graphql.schema import build_schema

SCHEMA = build_schema()
VALID = "{ me { username roles { name } } }"


def test_a_valid_document_is_prepared_once_for_every_request_that_sends_it() -> None:
    executor = Executor(SCHEMA, Limits())
    assert executor.prepare(VALID) is executor.prepare(VALID)
    assert len(executor.cache) == 1


@pytest.mark.parametrize(
    "query",
    [
        "{ me { username ",  # syntax
        "{ me { noSuchField } }",  # validation
        "{ " + "me { username } " * 150 + "}",  # a limit, before validation
        "{ __typename }" + " " * 40_000,  # the length, before parsing
    ],
    ids=["syntax error", "invalid", "over a limit", "too long"],
)
def test_a_document_that_fails_is_never_kept(query: str) -> None:
    executor = Executor(SCHEMA, Limits())
    assert executor.prepare(query).errors
    assert len(executor.cache) == 0


def test_documents_padded_with_comments_fill_the_byte_bound_not_memory() -> None:
    executor = Executor(SCHEMA, Limits(), cache_size=1000, cache_bytes=1024 * 1024)
    for i in range(200):
        executor.prepare(f"# {i:04} {'x' * 30_000}\n{{ __typename }}")
    assert executor.cache.bytes <= 1024 * 1024
    assert 0 < len(executor.cache) < 20


def test_the_oldest_entries_are_evicted_to_stay_within_the_byte_bound() -> None:
    cache: DocumentCache[str] = DocumentCache(max_entries=100, max_bytes=1000)
    for text in ("a", "b", "c"):
        cache.put(text, text.upper(), 400)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "B", "C")
    assert cache.bytes == 800


def test_the_oldest_entries_are_evicted_to_stay_within_the_entry_bound() -> None:
    cache: DocumentCache[str] = DocumentCache(max_entries=2, max_bytes=10**9)
    for text in ("a", "b", "c"):
        cache.put(text, text.upper(), 1)
    assert (len(cache), cache.get("a"), cache.get("c")) == (2, None, "C")


def test_an_entry_larger_than_the_whole_bound_is_not_kept() -> None:
    cache: DocumentCache[str] = DocumentCache(max_entries=10, max_bytes=100)
    cache.put("small", "S", 10)
    cache.put("huge", "H", 101)
    assert (cache.get("small"), cache.get("huge"), cache.bytes) == ("S", None, 10)


@pytest.mark.parametrize(
    "query",
    [
        get_introspection_query(descriptions=True),
        "{ " + "__typename " * 1500 + "}",
        "{ " + " ".join(f"a{i}: me {{ username }}" for i in range(300)) + " }",
        "{ " + 'can(scopes: ["a", "b"]) ' * 200 + "}",
        "# " + "x" * 30_000 + "\n{ __typename }",
        '{ can(scopes: ["' + "ü" * 10_000 + '"]) }',
        '{ can(scopes: ["\\u{1F600}' + "a" * 30_000 + '"]) }',
        '{ can(scopes: ["""' + "  line\n" * 3000 + '"""]) }',
    ],
    ids=[
        "introspection",
        "fields",
        "aliases",
        "arguments",
        "comment",
        "non-ascii string",
        "one escaped emoji widening a long string",
        "block string",
    ],
)
def test_the_footprint_estimate_is_at_least_what_a_parsed_document_holds(query: str) -> None:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        document = parse(query)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held + sys.getsizeof(query) <= footprint(query, document)
