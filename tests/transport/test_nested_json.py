"""JSON nested too deeply to parse is refused saying so, on every JSON route: never a 500 or a traceback.

Over REST that is the answer to any unparsable body (tests/rest/test_unparsable_bodies.py): 422.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer

MESSAGE = "Request body is JSON nested too deeply to parse; send fewer levels of arrays and objects"
DEPTH = 10_000


def nested(depth: int = DEPTH) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users", f'{{"username": "x", "password": "long-enough-1", "roles": {nested()}}}'),
        ("PATCH", "/users/me", f'{{"full_name": {nested()}}}'),
        ("PATCH", "/users/admin", f'{{"disabled": {nested()}}}'),
        ("POST", "/documents", f'{{"title": "t", "body": {nested()}}}'),
        ("POST", "/users", nested()),
    ],
    ids=["create-user", "own-profile", "other-user", "document", "whole-body"],
)
def test_a_deeply_nested_rest_body_is_a_422_json_invalid_that_says_so(
    client: TestClient, admin_token: str, caplog: pytest.LogCaptureFixture, method: str, path: str, body: str
) -> None:
    headers = {**bearer(admin_token), "content-type": "application/json"}
    response = client.request(method, path, content=body, headers=headers)
    detail = [{"loc": ["body"], "msg": MESSAGE, "type": "json_invalid"}]
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert not [record for record in caplog.records if record.exc_info]


def test_nesting_python_can_parse_still_reaches_validation(client: TestClient, admin_token: str) -> None:
    body = f'{{"username": "x", "password": "long-enough-1", "roles": {nested(500)}}}'
    response = client.post(
        "/users", content=body, headers={**bearer(admin_token), "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "roles", 0]


def test_deeply_nested_graphql_variables_are_a_400_not_a_500(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    query, variables = "{ can(scopes: []) }", f'{{"deep": {nested()}}}'
    body = f'{{"query": "{query}", "variables": {variables}}}'
    posted = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    in_url = client.get("/graphql", params={"query": query, "variables": variables})
    for response in (posted, in_url):
        assert response.status_code == 400
        assert MESSAGE in response.text
    assert not [record for record in caplog.records if record.exc_info]
