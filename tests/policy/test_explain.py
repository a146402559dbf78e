"""`rbac-api policy explain`: where a role's scopes come from, why a caller may or may not do something."""

from __future__ import annotations

from pathlib import Path

from rbac_api.policy import load_policy
from rbac_api.policy.explain import explain_role, scope_sources
from rbac_api.policy.targets import principal_with
from tests.cli.runner import run
from tests.conftest import POLICY_DIR

ROLES = POLICY_DIR / "roles.yaml"


def line_of(text: str, after: str = "") -> int:
    lines = ROLES.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_an_inherited_scope_names_the_granting_role_its_line_and_the_path() -> None:
    (source,) = scope_sources(load_policy(POLICY_DIR), "editor")["profile:read"]
    assert source.describe() == (
        f"{ROLES}:{line_of('- profile:read')}  user grants 'profile:read' via editor -> reader -> user"
    )


def test_a_scope_from_a_wildcard_names_the_wildcard() -> None:
    sources = scope_sources(load_policy(POLICY_DIR), "admin")["users:write"]
    assert [s.describe() for s in sources] == [
        f"{ROLES}:{line_of('- users:*')}  admin grants 'users:*' (wildcard)"
    ]


def test_a_scope_granted_twice_lists_both_grants_nearest_first() -> None:
    sources = scope_sources(load_policy(POLICY_DIR), "admin")["users:read"]
    assert [(s.role, s.pattern) for s in sources] == [("admin", "users:*"), ("auditor", "users:read")]


def test_explain_role_lists_every_effective_scope() -> None:
    policy = load_policy(POLICY_DIR)
    lines = explain_role(policy, "reader")
    assert lines[:3] == [
        f"role reader: Reads documents ({ROLES}:{line_of('reader:')})",
        "inherits: user",
        "effective scopes (3):",
    ]
    assert [line.split()[0] for line in lines[3:]] == ["documents:read", "profile:read", "profile:write"]


def test_explain_role_from_the_command_line(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "explain", "--role", "editor")
    assert result.returncode == 0, result.stderr
    assert (
        f"documents:write  {ROLES}:{line_of('- documents:write', after='editor:')}  editor grants"
        in result.stdout
    )


def test_explain_user_on_a_route_they_may_use(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "rita", "--password", "rita-password", "--role", "reader")
    result = run(tmp_path, "policy", "explain", "--user", "rita", "--route", "GET /documents")
    assert result.stdout.splitlines()[:2] == [
        "rita (reader) on GET /documents: ALLOW",
        "  requires scopes documents:read on each document (global, organization or rule grant)",
    ]


def test_explain_user_on_a_field_they_may_not_read_says_who_could(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "uma", "--password", "uma-password")
    result = run(tmp_path, "policy", "explain", "--user", "uma", "--field", "User.email")
    assert result.stdout.splitlines() == [
        "uma (user) on User.email: DENY",
        "  requires scopes users:read (unless the object is the caller's own)",
        "  denied: missing scopes users:read",
        "  users:read: not held; granted by role(s) admin, auditor (rbac-api users set-roles)",
    ]


def test_explain_user_with_scopes(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "eddie", "--password", "eddie-password", "--role", "editor")
    result = run(tmp_path, "policy", "explain", "--user", "eddie", "--scope", "documents:write")
    assert result.stdout.splitlines()[0] == "eddie (editor) asking for documents:write: ALLOW"


def test_explain_a_disabled_user_is_a_denial_naming_the_fix(tmp_path: Path) -> None:
    run(tmp_path, "users", "create", "dan", "--password", "dan-password")
    run(tmp_path, "users", "disable", "dan")
    result = run(tmp_path, "policy", "explain", "--user", "dan", "--scope", "profile:read")
    assert result.returncode == 1
    assert "DENY: the account is disabled" in result.stderr


def test_explain_an_unknown_user_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "explain", "--user", "ghost", "--scope", "profile:read")
    assert result.returncode == 1
    assert result.stderr.strip() == "rbac-api: user 'ghost' not found; list users with: rbac-api users list"


def test_explain_needs_one_principal_and_at_most_one_request(tmp_path: Path) -> None:
    assert run(tmp_path, "policy", "explain", "--scope", "users:read").returncode == 2
    assert run(tmp_path, "policy", "explain", "--user", "x").returncode == 2
    assert run(tmp_path, "policy", "explain", "--role", "nobody").returncode == 2


def test_a_role_principal_holds_what_the_role_grants() -> None:
    policy = load_policy(POLICY_DIR)
    assert principal_with(frozenset({"reader"}), policy).scopes == {
        "documents:read",
        "profile:read",
        "profile:write",
    }


def test_an_organization_check_is_explained_as_seen_from_outside_the_organization(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "explain", "--role", "editor", "--route", "PUT /orgs/acme/members/bob")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "role editor on PUT /orgs/{org}/members/{username}: DENY",
        "  requires scopes members:assign, held globally or in the organization",
        "  denied: missing scopes members:assign",
    ]


def test_a_membership_check_names_the_scope_that_reaches_every_organization(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "explain", "--role", "admin", "--field", "Organization.members")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "role admin on Organization.members: ALLOW",
        "  requires scopes orgs:read (unless the caller is a member of the organization)",
    ]
