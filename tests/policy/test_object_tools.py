"""The policy tools on objects: explain names the grant or rule, policy cases ask about one object, diff
reports rule changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rbac_api.policy.casefile import read_cases, run_case
from rbac_api.policy.diff import diff_access
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.explain import ObjectRef, explain_object
from rbac_api.policy.loader import load_policy
from rbac_api.policy.model import Policy
from rbac_api.policy.targets import principal_with

SHIPPED = Path(__file__).parents[2] / "policies"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(SHIPPED)


def draft(owner: int, org: str | None = "acme", status: str = "draft") -> ObjectRef:
    return ObjectRef("document", "42", {"owner_id": owner, "org": org, "status": status})


def test_explain_names_the_rule_that_allows_with_its_file_and_line(policy: Policy) -> None:
    alice = principal_with(frozenset({"user"}), policy, subject="7")
    allowed, lines = explain_object(PolicyEngine(policy), alice, "alice", "documents:write", draft(7))
    assert allowed
    assert lines[0] == "alice asking for documents:write on document:42: ALLOW"
    assert "granted by rule owners-manage-their-documents (" in lines[2]
    assert "objects.yaml:" in lines[2]
    assert lines[2].endswith("role user held globally, when resource.owner_id == principal.id")


def test_explain_names_the_organization_whose_role_allows(policy: Policy) -> None:
    bob = principal_with(
        frozenset({"user"}), policy, subject="8", memberships={"acme": frozenset({"editor"})}
    )
    allowed, lines = explain_object(PolicyEngine(policy), bob, "bob", "documents:write", draft(7))
    assert allowed
    assert lines[2].startswith("  granted in organization 'acme' by role editor (")


def test_explain_says_why_each_rule_did_not_apply(policy: Policy) -> None:
    bob = principal_with(
        frozenset({"user"}), policy, subject="8", memberships={"acme": frozenset({"member"})}
    )
    allowed, lines = explain_object(PolicyEngine(policy), bob, "bob", "documents:read", draft(7))
    assert not allowed
    assert "  in organization 'acme' the caller holds member, granting no documents:read" in lines
    assert any(
        "members-read-published-documents" in line
        and 'condition is false: resource.status == "published"' in line
        for line in lines
    )


def test_a_policy_case_decides_on_the_object_it_describes(tmp_path: Path, policy: Policy) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        "  - name: a member reads a published document of their organization\n"
        "    principal: {roles: [user], id: 7, memberships: {acme: [member]}}\n"
        "    request: {scopes: [documents:read], resource: {type: document, owner_id: 3, org: acme, "
        "status: published}}\n"
        "    expect: deny\n"
    )
    (case,), problems = read_cases(cases)
    assert problems == []
    outcome = run_case(case, policy, [])
    assert not outcome.passed
    assert (
        outcome.explain()
        == "a member reads a published document of their organization: expected deny, got allow"
    )


def test_diff_reports_a_changed_rule_condition(tmp_path: Path, policy: Policy) -> None:
    changed = tmp_path / "policies"
    shutil.copytree(SHIPPED, changed)
    objects = changed / "objects.yaml"
    objects.write_text(objects.read_text().replace('== "published"', 'in ["published", "archived"]'))
    (change,) = diff_access(policy, load_policy(changed), [])
    assert (change.role, change.kind, change.what) == ("member", "rule", "members-read-published-documents")
    assert change.old.endswith('when resource.status == "published"')
    assert change.new.endswith('when resource.status in ["published", "archived"]')
