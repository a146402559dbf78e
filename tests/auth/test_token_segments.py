"""The access token's segments are checked by pyjwt's strict base64url rule, in a faster form: both
accept and refuse exactly the same segments, and decode them to the same bytes."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError

from rbac_api.core.tokens import _SegmentCheckedJWS

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Near misses too: padding, the standard alphabet's + and /, whitespace, NUL and non-ASCII bytes.
NEAR = ALPHABET + b"=+/ \n\x00\xff."


def verdict(check: object, segment: bytes) -> bytes | str:
    try:
        return check(segment, "payload")  # type: ignore[operator, no-any-return]
    except DecodeError as error:
        return f"refused: {error}"


def canonical(data: bytes, padding: int) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=") + b"=" * padding


segments = st.one_of(
    st.binary(max_size=40).map(lambda data: canonical(data, 0)),
    st.tuples(st.binary(max_size=40), st.integers(0, 3)).map(lambda pair: canonical(*pair)),
    st.lists(st.sampled_from([bytes([b]) for b in NEAR]), max_size=40).map(b"".join),
    st.binary(max_size=40),
)


@given(segments)
def test_the_fast_check_decides_every_segment_as_pyjwt_does(segment: bytes) -> None:
    assert verdict(_SegmentCheckedJWS._decode_base64url_segment, segment) == verdict(
        PyJWS._decode_base64url_segment, segment
    )


REFUSED = "refused: Invalid payload padding"


def test_a_segment_with_a_character_outside_the_alphabet_is_refused() -> None:
    assert verdict(_SegmentCheckedJWS._decode_base64url_segment, b"ab!d") == REFUSED


def test_a_non_canonical_last_character_is_refused() -> None:
    assert verdict(_SegmentCheckedJWS._decode_base64url_segment, b"QR") == REFUSED
    assert verdict(_SegmentCheckedJWS._decode_base64url_segment, b"QQ") == b"A"
