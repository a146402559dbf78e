"""User names have one spelling: normalising a normalised name changes nothing, for every input."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.errors import InvalidInput
from rbac_api.store.names import normalize_name
from rbac_api.store.usernames import normalize_username

#: At least the Combining Diacritical Marks block: the marks that recompose after casefolding.
COMBINING_MARKS = [chr(c) for c in range(0x0300, 0x0370)]


def cased_or_decomposable() -> Iterator[str]:
    """Every code point that casefolding or a normalisation form can change."""
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        if char.casefold() != char or unicodedata.decomposition(char):
            yield char


CASED_OR_DECOMPOSABLE = list(cased_or_decomposable())


def normalized_or_none(raw: str) -> str | None:
    try:
        return normalize_username(raw)
    except InvalidInput:
        return None


def test_normalising_twice_changes_nothing_for_every_cased_or_decomposable_character_and_mark() -> None:
    unstable = []
    for char in CASED_OR_DECOMPOSABLE:
        for raw in (char, *(char + mark for mark in COMBINING_MARKS)):
            once = normalized_or_none(raw)
            if once is not None and normalized_or_none(once) != once:
                unstable.append(raw)
    assert unstable == []


@given(
    st.text(st.one_of(st.characters(), st.sampled_from(CASED_OR_DECOMPOSABLE + COMBINING_MARKS)), max_size=40)
)
def test_normalising_any_text_twice_changes_nothing(raw: str) -> None:
    once = normalized_or_none(raw)
    if once is not None:
        assert normalize_username(once) == once


def test_a_name_whose_casefold_recomposes_gets_the_recomposed_spelling() -> None:
    # casefold(NFKC(x)) alone gave "ss" + U+0301 here, which a second pass turned into another name, "sś".
    assert normalize_username("ß\u0301") == normalize_username("ss\u0301") == "s\u015b"


@pytest.mark.parametrize(
    ("raw", "name"), [("Alice", "alice"), ("ＡＬＩＣＥ", "alice"), ("ǅ", "dž"), ("Ⅻ", "xii")]
)
def test_case_and_compatibility_variants_share_one_spelling(raw: str, name: str) -> None:
    assert normalize_username(raw) == name


def test_the_name_normaliser_reports_the_field_and_length_it_was_given() -> None:
    # Organisation names will reuse it with their own field and limit.
    assert normalize_name("Acme", field="name", max_length=10) == "acme"
    with pytest.raises(InvalidInput) as raised:
        normalize_name("a" * 11, field="name", max_length=10)
    assert (raised.value.field, raised.value.message) == ("name", "name must be at most 10 characters")
