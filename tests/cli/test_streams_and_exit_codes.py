"""Results and summaries on stdout, errors on stderr; exit 0 ok, 1 failure or findings, 2 usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import PASSWORD, POLICY_DIR


def test_a_change_prints_its_summary_on_stdout_and_nothing_on_stderr(tmp_path: Path) -> None:
    result = run(tmp_path, "users", "create", "carol", "--password", PASSWORD)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("created carol (id 1)")


def test_a_clean_policy_check_says_so_on_stdout(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "check", str(POLICY_DIR))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{POLICY_DIR}: policy OK\n", "")


def test_policy_test_prints_its_summary_on_stdout(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "test", str(POLICY_DIR))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.endswith(" 0 failed\n")


def test_schema_export_to_a_file_reports_on_stdout(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    result = run(tmp_path, "schema", "export", "--output", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"wrote {target}\n", "")
    assert "\ntype Query {" in target.read_text()


def test_data_on_stdout_comes_alone(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "carol", "--password", PASSWORD)
    result = run(tmp_path, "users", "export", "-")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == ["username,email,full_name,roles,password", "carol,,,user,"]


@pytest.mark.parametrize(
    "args",
    [
        ["users", "set-roles", "nobody", "reader"],
        ["users", "create", "carol", "--password", "short"],
        ["policy", "reload", "--pid-dir", "run"],
    ],
    ids=["unknown user", "bad password", "no server"],
)
def test_a_failure_exits_1_with_one_line_on_stderr_and_nothing_on_stdout(
    tmp_path: Path, args: list[str]
) -> None:
    result = run(tmp_path, *args)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("rbac-api: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["nonsense"],
        ["users", "list", "--bogus"],
        ["users", "set-roles"],
        ["policy", "matrix", "--format", "pdf"],
        ["policy", "check", "no-such-directory"],
        ["serve", "--workers", "0"],
        ["users", "import", "people.csv", "--generate-passwords"],
    ],
    ids=[
        "unknown command",
        "unknown option",
        "missing argument",
        "bad choice",
        "missing directory",
        "out of range",
        "options that go together",
    ],
)
def test_a_usage_error_exits_2_with_the_reason_on_stderr(tmp_path: Path, args: list[str]) -> None:
    result = run(tmp_path, *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.strip()
