"""Masking of unexpected errors, and what reaches the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import strawberry
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.graphql import AllowAny, RbacSchema
from tests.conftest import make_settings
from tests.graphql.conftest import gql


@strawberry.type
class BrokenQuery:
    @strawberry.field(permission_classes=[AllowAny])
    def broken(self) -> str | None:
        raise RuntimeError("SELECT * FROM users -- secret=hunter2")


@pytest.fixture
def broken_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(make_settings(tmp_path), graphql_schema=RbacSchema(query=BrokenQuery))
    ) as client:
        yield client


def test_unexpected_errors_are_masked_with_an_error_id(
    broken_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="rbac_api.graphql"):
        body = gql(broken_client, "{ broken }")
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in json.dumps(body)
    assert "SELECT" not in json.dumps(body)
    logged = [r for r in caplog.records if r.name == "rbac_api.graphql"]
    assert error["extensions"]["errorId"] in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the traceback stays on the server


def test_expected_errors_log_one_structured_line_without_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rbac_api.graphql"):
        gql(client, "{ me { username } }")
    lines = [r for r in caplog.records if r.name == "rbac_api.graphql"]
    assert len(lines) == 1
    assert lines[0].exc_info is None
    assert json.loads(lines[0].getMessage()) == {
        "event": "graphql_error",
        "code": "UNAUTHENTICATED",
        "path": ["me"],
        "message": "Not authenticated: log in (mutation login) and send 'Authorization: Bearer <token>'",
    }


def test_a_denial_logs_one_json_line_with_what_was_missing(
    client: TestClient, plain_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        gql(client, '{ user(username: "admin") { username } }', plain_token)
    line = json.loads(next(r for r in caplog.records if r.name == "rbac_api.audit").getMessage())
    assert line["target"] == "Query.user"
    assert (line["required_scopes"], line["missing_scopes"]) == (["users:read"], ["users:read"])
    assert line["username"] == "paula"
    assert plain_token not in json.dumps(line)
