"""A body that cannot be parsed gets one answer whatever the reason: 422 `json_invalid`, as documented."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer

JSON = {"content-type": "application/json"}
UNPARSABLE = [
    pytest.param(b'{"username": "\xff\xfe", "password": "long-enough-1"}', id="not-utf-8"),
    pytest.param(b'{"username": "alice", "password": ', id="json-syntax-error"),
    pytest.param(b"[" * 10_000 + b"]" * 10_000, id="nested-too-deeply"),
]


@pytest.mark.parametrize("body", UNPARSABLE)
def test_an_unparsable_body_is_a_422_json_invalid(client: TestClient, admin_token: str, body: bytes) -> None:
    response = client.post("/users", content=body, headers={**JSON, **bearer(admin_token)})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"][0] == "body"


def test_a_body_that_is_not_utf_8_is_told_to_be(client: TestClient, admin_token: str) -> None:
    response = client.patch(
        "/users/me", content=b'{"full_name": "\xe9"}', headers={**JSON, **bearer(admin_token)}
    )
    assert response.json() == {
        "detail": [
            {
                "loc": ["body"],
                "msg": "Request body is not UTF-8; send JSON encoded in UTF-8 (RFC 8259)",
                "type": "json_invalid",
            }
        ]
    }


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/users"), ("patch", "/users/me"), ("post", "/documents")]
)
def test_the_openapi_document_declares_the_422_of_every_json_body(
    client: TestClient, method: str, path: str
) -> None:
    operation = client.get("/openapi.json").json()["paths"][path][method]
    assert "422" in operation["responses"]
