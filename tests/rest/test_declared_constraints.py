"""The OpenAPI document declares the rules the code enforces on request bodies, so that a request valid
by the document is not refused (and a client can check its input before sending it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.app import assemble_app
from rbac_api.core.passwords import password_problem
from rbac_api.core.profile import email_problem

DOCUMENT: dict[str, Any] = assemble_app().openapi()
SCHEMAS: dict[str, Any] = DOCUMENT["components"]["schemas"]
EMAIL = SCHEMAS["UserCreate"]["properties"]["email"]["anyOf"][0]
PASSWORD = SCHEMAS["UserCreate"]["properties"]["password"]
#: Characters around the edges of the e-mail rule: "@", ".", NUL, ASCII and Unicode spaces, letters.
EMAIL_TEXT = st.text(st.sampled_from("a.@\x00 \t\n\x1c\x85\xa0\u2003\u3000\ufeffé"), max_size=12)


@given(EMAIL_TEXT)
def test_the_declared_email_pattern_accepts_exactly_what_the_code_accepts(text: str) -> None:
    declared = re.search(EMAIL["pattern"], text) is not None
    assert declared == (email_problem(text) is None)


def test_the_email_length_is_declared() -> None:
    assert EMAIL["maxLength"] == 254


def test_the_password_length_is_declared_in_characters_and_its_byte_limit_described() -> None:
    assert (PASSWORD["minLength"], PASSWORD["maxLength"]) == (8, 72)
    assert "at most 72 bytes in UTF-8" in PASSWORD["description"]


@given(st.text(max_size=80))
def test_a_password_the_code_accepts_is_valid_by_the_document(password: str) -> None:
    if password_problem(password) is None:
        assert PASSWORD["minLength"] <= len(password) <= PASSWORD["maxLength"]
        assert re.search(PASSWORD["pattern"], password)


def _strings(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema] if schema.get("type") == "string" else []
    for value in schema.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                found += _strings(item)
    return found


@pytest.mark.parametrize("model", ["UserCreate", "UserUpdate", "ProfileUpdate", "DocumentCreate"])
def test_every_string_of_a_request_body_declares_that_nul_is_refused(model: str) -> None:
    for schema in _strings(SCHEMAS[model]):
        assert not re.search(schema["pattern"], "a\x00b"), schema
