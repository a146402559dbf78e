"""User-list cursors: the pattern the OpenAPI document declares is exactly the set of cursors accepted."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.errors import InvalidInput
from rbac_api.store.users import CURSOR_PATTERN, decode_cursor, encode_cursor, is_cursor

IDS = st.integers(min_value=0, max_value=10**18 - 1)


@given(IDS)
def test_every_cursor_handed_out_matches_the_declared_pattern_and_decodes_to_its_id(user_id: int) -> None:
    cursor = encode_cursor(user_id)
    assert re.fullmatch(CURSOR_PATTERN, cursor)
    assert decode_cursor(cursor) == user_id


@given(st.from_regex(CURSOR_PATTERN, fullmatch=True))
def test_every_string_of_the_pattern_is_a_cursor_of_u_and_digits(cursor: str) -> None:
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    assert re.fullmatch(r"u:[0-9]{1,18}", decoded)
    assert decode_cursor(cursor) == int(decoded[2:])


@given(st.text(max_size=40))
def test_a_string_outside_the_pattern_is_refused(text: str) -> None:
    if is_cursor(text):
        assert decode_cursor(text) >= 0
    else:
        with pytest.raises(InvalidInput):
            decode_cursor(text)


@pytest.mark.parametrize("cursor", ["dTo", "dTpub3Q", "dTo1=", "dToxMDAwMDAwMDAwMDAwMDAwMDAw", "dTo1\n"])
def test_near_misses_are_refused(cursor: str) -> None:
    assert not is_cursor(cursor)
