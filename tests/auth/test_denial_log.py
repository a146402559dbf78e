"""Every denial leaves one JSON log line: who, what was required and missing, where, under which policy."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer
from tests.graphql.conftest import gql


def denial_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "rbac_api.audit"]


def test_a_rest_403_logs_subject_scopes_route_and_policy_version(
    client: TestClient, rbac: Rbac, plain_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        response = client.get("/users/admin", headers=bearer(plain_token))
    assert response.status_code == 403
    (line,) = denial_lines(caplog)
    assert line == {
        "event": "access_denied",
        "subject": str(rbac.users.get("paula").id),
        "username": "paula",
        "target": "GET /users/{username}",
        "required_scopes": ["users:read"],
        "missing_scopes": ["users:read"],
        "policy_version": rbac.engine.policy.version,
    }


def test_a_graphql_forbidden_logs_the_field_and_policy_version(
    client: TestClient, rbac: Rbac, plain_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        body = gql(client, "{ policy { version } }", plain_token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    (line,) = denial_lines(caplog)
    assert (line["target"], line["missing_scopes"]) == ("Query.policy", ["policy:read"])
    assert line["policy_version"] == rbac.engine.policy.version


def test_a_denial_line_never_holds_the_token_or_a_password(
    client: TestClient, plain_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get("/users", headers=bearer(plain_token))
        gql(client, "{ users { edges { node { username } } } }", plain_token)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert len(denial_lines(caplog)) == 2
    assert plain_token not in logged
    assert plain_token.split(".")[2] not in logged
    assert PASSWORD not in logged
