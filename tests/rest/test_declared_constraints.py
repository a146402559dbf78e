"""The OpenAPI document declares the rules the code enforces on request bodies, so that a request valid
by the document is not refused (and a client can check its input before sending it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.app import assemble_app
from rbac_api.core.passwords import password_problem
from rbac_api.core.profile import email_problem
from tests.conftest import ADMIN_PASSWORD as PASSWORD_OF_ADMIN
from tests.conftest import bearer

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


def declared_valid(document: dict[str, Any], model: str, body: dict[str, Any]) -> bool:
    return bool(jsonschema_rs.validator_for(document["components"]["schemas"][model]).is_valid(body))


PROFILE_BODIES = [
    {"password": "new-password-1", "old_password": PASSWORD_OF_ADMIN},
    {"password": "new-password-1"},
    {"old_password": PASSWORD_OF_ADMIN},
    {"password": "new-password-1", "old_password": None},
    {"password": None, "old_password": None},
    {"full_name": "Ada"},
]


@pytest.mark.parametrize("body", PROFILE_BODIES)
def test_the_document_and_the_api_agree_on_the_password_pair(
    client: TestClient, admin_token: str, body: dict[str, Any]
) -> None:
    document = client.get("/openapi.json").json()
    response = client.patch("/users/me", json=body, headers=bearer(admin_token))
    assert declared_valid(document, "ProfileUpdate", body) == (response.status_code != 422), response.text


@pytest.mark.parametrize("disabled", [True, False, None, "yes", 1])
def test_the_document_and_the_api_agree_on_disabled(
    client: TestClient, admin_token: str, make_user: Callable[..., int], disabled: object
) -> None:
    make_user("bea", "user")
    document = client.get("/openapi.json").json()
    response = client.patch("/users/bea", json={"disabled": disabled}, headers=bearer(admin_token))
    assert declared_valid(document, "UserUpdate", {"disabled": disabled}) == (response.status_code != 422)


@pytest.mark.parametrize("roles", [["editor"], ["auditor", "user"], [""], ["no-such-role"], []])
def test_the_document_names_the_roles_a_new_user_may_hold(
    client: TestClient, admin_token: str, roles: list[str]
) -> None:
    document = client.get("/openapi.json").json()
    body = {"username": f"new{len(roles)}{''.join(roles)}", "password": "long-enough-1", "roles": roles}
    response = client.post("/users", json=body, headers=bearer(admin_token))
    assert declared_valid(document, "UserCreate", body) == (response.status_code != 422), response.text


@pytest.mark.parametrize("length", [64, 65])
def test_the_document_and_the_api_agree_on_the_user_name_length(
    client: TestClient, admin_token: str, length: int
) -> None:
    document = client.get("/openapi.json").json()
    body = {"username": "x" * length, "password": "long-enough-1"}
    response = client.post("/users", json=body, headers=bearer(admin_token))
    assert declared_valid(document, "UserCreate", body) == (response.status_code != 422), response.text
