"""The code against the policy: scopes the code requires must exist; unused catalogue scopes are flagged."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from fastapi import APIRouter, Security

from rbac_api import Principal, create_app, current_principal
from rbac_api.graphql.schema import Mutation
from rbac_api.guarded import AppCheckError
from rbac_api.policy.targets import code_location
from rbac_api.rest import documents as rest_documents
from tests.cli.runner import run, run_process
from tests.conftest import POLICY_DIR, make_settings

reports = APIRouter()


@reports.get("/reports")
async def list_reports(_p: Principal = Security(current_principal, scopes=["reports:read"])) -> None: ...


LINE_OF_REPORTS = list_reports.__code__.co_firstlineno  # the decorator's line


def copy_policy(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    return directory


def without_documents_write(tmp_path: Path) -> Path:
    """The shipped policy with `documents:write` gone from the catalogue (and from `editor` and the rules)."""
    directory = copy_policy(tmp_path)
    for name in ("scopes.yaml", "roles.yaml"):
        path = directory / name
        kept = [line for line in path.read_text().splitlines() if "documents:write" not in line]
        path.write_text("\n".join(kept) + "\n")
    objects = directory / "objects.yaml"
    objects.write_text(objects.read_text().replace("documents:read, documents:write", "documents:read"))
    return directory


def test_a_route_requiring_a_scope_the_policy_lacks_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(AppCheckError) as caught:
        create_app(make_settings(tmp_path), routers=[reports])
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        ": GET /reports requires scope 'reports:read', which the policy does not define: "
        "add it to a 'scopes:' catalogue or fix the spelling in the code"
    )
    assert str(problem).startswith(f"tests/startup/test_code_against_policy.py:{LINE_OF_REPORTS}:")


def test_unused_catalogue_scopes_are_logged_as_warnings_at_start_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policy_dir = copy_policy(tmp_path)
    (policy_dir / "extra.yaml").write_text("scopes:\n  reports:export: Export reports\n")
    with caplog.at_level(logging.WARNING, logger="rbac_api.startup"):
        create_app(make_settings(tmp_path, policy_dir=policy_dir))
    assert [r.getMessage() for r in caplog.records] == [
        f"{policy_dir / 'extra.yaml'}:2: warning: scope 'reports:export' is required by no route or "
        "GraphQL field: protect something with it, or remove it"
    ]


def test_serve_refuses_to_start_when_the_policy_lacks_a_scope_the_code_requires(tmp_path: Path) -> None:
    result = run_process(
        tmp_path, "serve", "--port", "1", RBAC_POLICY_DIR=str(without_documents_write(tmp_path))
    )
    assert result.returncode == 1
    fix = (
        "requires scope 'documents:write', which the policy does not define: "
        "add it to a 'scopes:' catalogue or fix the spelling in the code"
    )
    rest, graphql = code_location(rest_documents.create_document), code_location(Mutation.create_document)
    lines = result.stderr.splitlines()
    assert lines[0] == "rbac-api: routes, fields and policy do not fit together; fix these and retry:"
    # Every route and field deciding documents:write (create, update, delete) is named; these among them.
    assert f"{rest}: POST /documents {fix}" in lines
    assert f"{graphql}: Mutation.createDocument {fix}" in lines


def test_policy_check_app_accepts_the_shipped_policy_and_service(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "check", str(POLICY_DIR), "--app")
    assert (result.returncode, result.stdout) == (0, f"{POLICY_DIR}: policy OK (and the code fits it)\n")


def test_policy_check_app_reports_a_scope_the_code_requires_but_the_policy_lacks(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "check", str(without_documents_write(tmp_path)), "--app")
    assert result.returncode == 1
    assert "POST /documents requires scope 'documents:write'" in result.stdout


def test_policy_check_app_warns_about_unused_scopes_and_still_passes(tmp_path: Path) -> None:
    policy_dir = copy_policy(tmp_path)
    (policy_dir / "extra.yaml").write_text("scopes:\n  reports:export: Export reports\n")
    result = run(tmp_path, "policy", "check", str(policy_dir), "--app")
    assert result.returncode == 0
    assert result.stdout.startswith(f"{policy_dir / 'extra.yaml'}:2: warning: scope 'reports:export'")


def test_policy_check_without_app_does_not_look_at_the_code(tmp_path: Path) -> None:
    assert run(tmp_path, "policy", "check", str(without_documents_write(tmp_path))).returncode == 0
