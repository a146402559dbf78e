"""Results and summaries on stdout, errors on stderr; exit 0 ok, 1 failure or findings, 2 usage error.

The commands run in the test's process (`tests.cli.runner.run`); the first test runs the installed binary,
so the real process is seen to exit and write as the in-process runs say.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import run, run_process
from tests.conftest import PASSWORD, POLICY_DIR


@pytest.mark.parametrize(
    ("args", "code", "stdout", "stderr"),
    [
        (["policy", "check", str(POLICY_DIR)], 0, f"{POLICY_DIR}: policy OK\n", ""),
        (["users", "set-roles", "nobody", "reader"], 1, "", "rbac-api: user 'nobody' not found\n"),
        (["nonsense"], 2, "", "Error: No such command 'nonsense'."),
    ],
    ids=["ok", "failure", "usage error"],
)
def test_the_installed_binary_exits_0_1_or_2_writing_each_stream_as_the_in_process_run_does(
    tmp_path: Path, args: list[str], code: int, stdout: str, stderr: str
) -> None:
    real, in_process = run_process(tmp_path, *args), run(tmp_path, *args)
    assert (real.returncode, real.stdout) == (code, stdout)
    assert stderr in real.stderr
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == (
        real.returncode,
        real.stdout,
        real.stderr,
    )


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
