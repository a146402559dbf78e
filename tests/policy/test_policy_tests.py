"""`rbac-api policy test`: cases in YAML, failures with the case's file and line and why."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rbac_api.graphql.targets import field_targets
from rbac_api.policy import load_policy
from rbac_api.policy.casefile import read_cases, run_case
from rbac_api.policy.targets import Check, Target
from tests.cli.runner import run
from tests.conftest import POLICY_DIR


def policy_with_cases(tmp_path: Path, cases: str) -> Path:
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    (directory / "tests").mkdir()
    (directory / "tests" / "cases.yaml").write_text(cases)
    return directory


PASSING = """\
users:
  rita: [reader]
cases:
  - name: a reader lists documents
    principal: {user: rita}
    request: {route: GET /documents}
    expect: allow
"""


def one_case(*, principal: str, request: str) -> str:
    return f"cases:\n  - name: typo\n    principal: {principal}\n    request: {request}\n    expect: deny\n"


def test_the_shipped_policy_passes_its_tests(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "test", str(POLICY_DIR))
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith(" 0 failed")


def test_passing_cases_print_only_a_summary(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "test", str(policy_with_cases(tmp_path, PASSING)))
    assert (result.returncode, result.stdout, result.stderr) == (0, "1 cases: 1 passed, 0 failed\n", "")


def test_a_failing_case_is_reported_at_its_line_with_the_reason(tmp_path: Path) -> None:
    cases = PASSING + (
        "  - name: a reader writes documents\n"
        "    principal: {roles: [reader]}\n"
        "    request: {route: POST /documents}\n"
        "    expect: allow\n"
    )
    directory = policy_with_cases(tmp_path, cases)
    result = run(tmp_path, "policy", "test", str(directory))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{directory / 'tests' / 'cases.yaml'}:8: FAIL a reader writes documents: "
        "expected allow, got deny (missing scopes documents:write)",
        "2 cases: 1 passed, 1 failed",
    ]
    assert result.stderr == ""


def test_a_malformed_case_is_reported_at_its_line(tmp_path: Path) -> None:
    cases = "cases:\n  - principal: {roles: [reader]}\n    request: {verb: GET}\n    expect: maybe\n"
    directory = policy_with_cases(tmp_path, cases)
    result = run(tmp_path, "policy", "test", str(directory))
    shown = directory / "tests" / "cases.yaml"
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        f"{shown}:3: request must be one of {{scopes: [...]}} "
        "(with resource: {type: ..., attribute: value} to ask about one object), "
        "{route: 'GET /path'}, {field: Type.field}",
        f"{shown}:4: 'case at line 2': expect must be allow or deny; found 'maybe'",
    ]


@pytest.mark.parametrize(
    ("request_text", "error"),
    [
        ("{route: GET /nowhere}", "no route 'GET /nowhere' in this service"),
        ("{field: Query.nothing}", "no field 'Query.nothing' in this service"),
        ("{scopes: [documents:print]}", "unknown scope(s) documents:print in the policy"),
    ],
)
def test_a_case_about_something_that_does_not_exist_fails(
    tmp_path: Path, request_text: str, error: str
) -> None:
    cases = one_case(principal="{roles: [reader]}", request=request_text)
    result = run(tmp_path, "policy", "test", str(policy_with_cases(tmp_path, cases)))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].endswith(f"FAIL typo: {error}")


def test_a_case_with_an_unknown_role_fails(tmp_path: Path) -> None:
    cases = one_case(principal="{roles: [raeder]}", request="{scopes: [documents:read]}")
    result = run(tmp_path, "policy", "test", str(policy_with_cases(tmp_path, cases)))
    assert result.stdout.splitlines()[0].endswith("FAIL typo: unknown role(s) raeder in the policy")


def test_a_policy_without_tests_is_a_usage_error(tmp_path: Path) -> None:
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    result = run(tmp_path, "policy", "test", str(directory))
    assert result.returncode == 2
    assert "no policy tests in" in result.stderr


def test_an_invalid_policy_fails_with_its_problems(tmp_path: Path) -> None:
    directory = policy_with_cases(tmp_path, PASSING)
    (directory / "roles.yaml").write_text("default_role: nobody\n")
    result = run(tmp_path, "policy", "test", str(directory))
    assert result.returncode == 1
    assert "default_role 'nobody' is not a defined role" in result.stdout


def test_a_role_check_counts_only_roles_the_policy_defines(tmp_path: Path) -> None:
    policy = load_policy(POLICY_DIR)
    (field,) = field_targets({"Query.audit": ()}, roots=frozenset())
    target = Target("field", "Query.audit", (Check("any_role", frozenset({"auditor"})),))
    path = tmp_path / "cases.yaml"
    path.write_text(
        "cases:\n"
        "  - {name: auditor, principal: {roles: [auditor]}, request: {field: Query.audit}, expect: allow}\n"
        "  - {name: reader, principal: {roles: [reader]}, request: {field: Query.audit}, expect: deny}\n"
    )
    cases, problems = read_cases(path)
    assert problems == []
    assert [run_case(case, policy, [target]).passed for case in cases] == [True, True]
    assert field.via_parent
