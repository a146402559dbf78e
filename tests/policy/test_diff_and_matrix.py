"""`rbac-api policy diff` (the access impact of a change) and `rbac-api policy matrix`."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

from rbac_api.guarded import service_targets
from rbac_api.policy import load_policy
from rbac_api.policy.diff import Change, diff_access
from tests.cli.runner import run
from tests.conftest import POLICY_DIR


def copy_policy(destination: Path) -> Path:
    shutil.copytree(POLICY_DIR, destination, ignore=shutil.ignore_patterns("tests"))
    return destination


def reader_without_documents(directory: Path) -> None:
    roles = directory / "roles.yaml"
    roles.write_text(roles.read_text().replace("      - documents:read\n", "      - profile:read\n", 1))


def test_identical_policies_have_no_changes_and_exit_0(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "diff", str(POLICY_DIR), str(copy_policy(tmp_path / "same")))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("no access changes")


def test_a_dropped_grant_shows_every_scope_route_and_field_cell_it_closes(tmp_path: Path) -> None:
    changed = copy_policy(tmp_path / "new")
    reader_without_documents(changed)
    result = run(tmp_path, "policy", "diff", str(POLICY_DIR), str(changed))
    assert result.returncode == 1
    *cells, summary = result.stdout.splitlines()
    assert cells == [
        "role    kind   what                          old    new",
        "editor  scope  documents:read                allow  deny",
        "editor  route  GET /documents                allow  deny",
        "editor  route  GET /documents/{document_id}  allow  deny",
        "editor  field  Organization.documents        allow  deny",
        "editor  field  Query.document                allow  deny",
        "editor  field  Query.documents               allow  deny",
        "reader  scope  documents:read                allow  deny",
        "reader  route  GET /documents                allow  deny",
        "reader  route  GET /documents/{document_id}  allow  deny",
        "reader  field  Organization.documents        allow  deny",
        "reader  field  Query.document                allow  deny",
        "reader  field  Query.documents               allow  deny",
    ]
    assert summary.startswith("12 cells change")
    assert result.stderr == ""


def test_a_new_role_shows_only_what_it_allows_including_token_only_fields(tmp_path: Path) -> None:
    changed = copy_policy(tmp_path / "new")
    with (changed / "roles.yaml").open("a") as roles:
        roles.write("  viewer:\n    description: Views documents\n    scopes: [documents:read]\n")
    changes = diff_access(load_policy(POLICY_DIR), load_policy(changed), service_targets())
    # What needs only a valid token (API tokens, logout) opens to any role that grants a scope.
    assert changes == [
        Change("viewer", "scope", "documents:read", "-", "allow"),
        Change("viewer", "route", "DELETE /users/me/api-tokens/{token_id}", "-", "allow"),
        Change("viewer", "route", "GET /documents", "-", "allow"),
        Change("viewer", "route", "GET /documents/{document_id}", "-", "allow"),
        Change("viewer", "route", "GET /orgs", "-", "allow"),
        Change("viewer", "route", "GET /users/me/api-tokens", "-", "allow"),
        Change("viewer", "route", "POST /users/me/api-tokens", "-", "allow"),
        Change("viewer", "field", "Mutation.createApiToken", "-", "allow"),
        Change("viewer", "field", "Mutation.logout", "-", "allow"),
        Change("viewer", "field", "Mutation.revokeApiToken", "-", "allow"),
        Change("viewer", "field", "Organization.documents", "-", "allow"),
        Change("viewer", "field", "Query.apiTokens", "-", "allow"),
        Change("viewer", "field", "Query.document", "-", "allow"),
        Change("viewer", "field", "Query.documents", "-", "allow"),
        Change("viewer", "field", "Query.myPermissions", "-", "allow"),
        Change("viewer", "field", "Query.organization", "-", "allow"),
        Change("viewer", "field", "Query.organizations", "-", "allow"),
    ]


def test_two_git_revisions_of_one_directory_can_be_compared(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    policies = copy_policy(repo / "policies")

    def git(*args: str) -> None:
        subprocess.run(  # noqa: S603
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],  # noqa: S607
            cwd=repo,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "policies")
    git("commit", "-qm", "policy")
    reader_without_documents(policies)
    git("commit", "-qam", "reader loses documents")
    result = run(tmp_path, "policy", "diff", "HEAD~1:policies", "HEAD:policies", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert "reader  route  GET /documents                allow  deny" in result.stdout


def test_an_unknown_revision_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "diff", "no-such-rev:policies", str(POLICY_DIR))
    assert result.returncode == 2
    assert result.stderr.startswith("rbac-api: git ls-tree --name-only no-such-rev:policies:")


def test_an_invalid_side_prints_its_problems(tmp_path: Path) -> None:
    broken = copy_policy(tmp_path / "broken")
    (broken / "roles.yaml").write_text("default_role: nobody\n")
    result = run(tmp_path, "policy", "diff", str(POLICY_DIR), str(broken))
    assert result.returncode == 1
    assert "default_role 'nobody' is not a defined role" in result.stdout


def test_matrix_as_csv_has_a_row_per_scope_and_a_column_per_role(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "matrix", str(POLICY_DIR), "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["scope", "user", "auditor", "admin", "member", "reader", "editor"]
    assert ["documents:read", "", "", "own", "", "own", "inherited"] in rows
    assert len(rows) == 1 + len(load_policy(POLICY_DIR).scopes)


def test_matrix_as_markdown_is_a_table_with_a_legend(tmp_path: Path) -> None:
    lines = run(tmp_path, "policy", "matrix", str(POLICY_DIR), "--format", "markdown").stdout.splitlines()
    assert lines[0] == "| scope | `user` | `auditor` | `admin` | `member` | `reader` | `editor` |"
    assert "| `profile:read` | ✓ |  | ✓ | ✓ⁱ | ✓ⁱ | ✓ⁱ |" in lines
    assert lines[-1].startswith("✓ granted by the role itself")


def test_matrix_in_the_terminal_names_every_role_and_scope(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "matrix", str(POLICY_DIR), COLUMNS="200")
    assert result.returncode == 0
    for name in ["editor", "documents:write", *load_policy(POLICY_DIR).roles]:
        assert name in result.stdout


def test_matrix_refuses_an_unknown_format(tmp_path: Path) -> None:
    assert run(tmp_path, "policy", "matrix", "--format", "pdf").returncode == 2
