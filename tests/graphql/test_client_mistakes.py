"""Every kind of client mistake is a client error: the right status and code, one log line without the
value sent and without a traceback, never INTERNAL."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api.transport.refusals import TOO_DEEP_MESSAGE

# What the client sent that must never reach the log (it could be a password in the wrong variable).
SENT = "hunter2-sent-by-the-client"
USERS = "query($n: Int!) { users(first: $n) { edges { cursor } } }"
CAN = "query($s: [String!]!) { can(scopes: $s) }"


def nested(depth: int, inner: str = '"x"') -> str:
    return "[" * depth + inner + "]" * depth


def body(query: str, variables: str) -> str:
    return json.dumps({"query": query})[:-1] + f', "variables": {variables}}}'


@dataclass(frozen=True)
class Mistake:
    name: str
    status: int
    code: str
    #: Part of the message, so that each case is known to reach the mistake it is named for.
    message: str
    json: Any = None
    content: str | None = None
    content_type: str = "application/json"
    method: str = "POST"
    params: dict[str, str] | None = None


ANSWERED = 200, "BAD_USER_INPUT"
REFUSED = 400, "BAD_REQUEST"
# Variables the operation does not declare are ignored: `other` carries SENT where nothing else does.
MISTAKES = [
    Mistake(
        "variable of the wrong type",
        *ANSWERED,
        "Variable '$n' has invalid value: Int cannot represent non-integer value",
        json={"query": USERS, "variables": {"n": SENT}},
    ),
    Mistake(
        "missing required variable",
        *ANSWERED,
        "Variable '$n' has invalid value: Expected a value of non-null type 'Int!'",
        json={"query": USERS, "variables": {"other": SENT}},
    ),
    Mistake(
        "unknown operation name",
        *ANSWERED,
        "Unknown operation named 'B'",
        json={"query": "query A { __typename }", "operationName": "B", "variables": {"other": SENT}},
    ),
    Mistake(
        "variable nested deeper than its type",
        *ANSWERED,
        "String cannot represent a non string value",
        content=body(CAN, '{"s": ' + nested(300, json.dumps(SENT)) + "}"),
    ),
    Mistake(
        "invalid JSON",
        *REFUSED,
        "Unable to parse request body as JSON",
        content=f'{{"query": "{{ __typename }}", "other": "{SENT}',
    ),
    Mistake(
        "wrong content type",
        415,
        "BAD_REQUEST",
        "Send the operation as application/json",
        content=SENT,
        content_type="text/plain",
    ),
    Mistake(
        "a JSON body that is not an object", *REFUSED, "Send one operation as a JSON object", json=[SENT]
    ),
    Mistake(
        "an operation name that is not a string",
        *REFUSED,
        "`operationName` must be a string or null",
        json={"query": CAN, "operationName": [SENT]},
    ),
    Mistake("no query", *REFUSED, "No GraphQL query found", json={"variables": {"other": SENT}}),
    Mistake(
        "deeply nested JSON body",
        *REFUSED,
        TOO_DEEP_MESSAGE,
        content=nested(100_000, json.dumps(SENT)),
    ),
    Mistake(
        "variable of 10,000 nested lists",
        *REFUSED,
        TOO_DEEP_MESSAGE,
        content=body(CAN, '{"s": ' + nested(10_000, json.dumps(SENT)) + "}"),
    ),
    Mistake(
        "variables of 10,000 nested lists over GET",
        *REFUSED,
        TOO_DEEP_MESSAGE,
        method="GET",
        params={"query": CAN, "variables": '{"s": ' + nested(10_000, json.dumps(SENT)) + "}"},
    ),
    Mistake(
        "mutation over GET",
        405,
        "BAD_REQUEST",
        "mutations are not allowed when using GET; send it with POST",
        method="GET",
        params={
            "query": 'mutation { deleteUser(username: "admin") }',
            "variables": json.dumps({"other": SENT}),
        },
    ),
]


def send(client: TestClient, mistake: Mistake) -> Any:
    if mistake.method == "GET":
        return client.get("/graphql", params=mistake.params)
    if mistake.content is not None:
        return client.post(
            "/graphql", content=mistake.content, headers={"content-type": mistake.content_type}
        )
    return client.post("/graphql", json=mistake.json)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_a_client_mistake_is_a_client_error_logged_without_the_value_or_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture, mistake: Mistake
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = send(client, mistake)
    assert response.status_code == mistake.status
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == mistake.code
    assert mistake.message in error["message"]
    # Everything but the test client's own line about the request it sent (with a GET's query string).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not any(SENT in r.getMessage() or "Traceback" in r.getMessage() for r in server)
    assert all(r.exc_info is None and r.levelno < logging.ERROR for r in server)
    graphql_lines = [r for r in server if r.name == "rbac_api.graphql"]
    assert len(graphql_lines) == 1
    assert json.loads(graphql_lines[0].getMessage())["code"] == mistake.code


def test_a_variable_coercion_error_tells_the_client_what_was_wrong(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": USERS, "variables": {"n": "ten"}})
    [error] = response.json()["errors"]
    assert (
        error["message"] == "Variable '$n' has invalid value: Int cannot represent non-integer value: 'ten'"
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
