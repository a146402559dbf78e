"""The opaque secret format: recognisable, and a mistyped one refused by its checksum alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.opaque import ALPHABET, new_secret, well_formed

PREFIX = "rbac_pat_"


def test_a_new_secret_is_well_formed_and_carries_its_prefix() -> None:
    secret = new_secret(PREFIX)
    assert secret.startswith(PREFIX)
    assert well_formed(secret, PREFIX)
    assert len(secret) == len(PREFIX) + 46


def test_a_secret_is_not_well_formed_under_another_prefix() -> None:
    assert not well_formed(new_secret("rbac_cs_"), PREFIX)


@given(
    position=st.integers(min_value=len(PREFIX), max_value=len(PREFIX) + 45),
    replacement=st.sampled_from(ALPHABET),
)
def test_changing_any_one_character_breaks_the_checksum(position: int, replacement: str) -> None:
    secret = new_secret(PREFIX)
    typo = secret[:position] + replacement + secret[position + 1 :]
    assert well_formed(typo, PREFIX) == (typo == secret)


@given(position=st.integers(min_value=len(PREFIX), max_value=len(PREFIX) + 44))
def test_swapping_two_neighbouring_characters_breaks_the_checksum(position: int) -> None:
    secret = new_secret(PREFIX)
    swapped = secret[:position] + secret[position + 1] + secret[position] + secret[position + 2 :]
    assert well_formed(swapped, PREFIX) == (swapped == secret)


def test_a_secret_cut_short_or_lengthened_is_refused() -> None:
    secret = new_secret(PREFIX)
    assert not well_formed(secret[:-1], PREFIX)
    assert not well_formed(secret + "0", PREFIX)
