"""Resource types and object rules in policy files: what loads, and each mistake reported at its file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rbac_api.policy.loader import check_policy_dir, load_policy
from tests.policy.conftest import WritePolicy

BASE = """
    default_role: user
    scopes:
      documents:read: Read documents
      documents:write: Write documents
    roles:
      user:
        description: Anyone
        scopes: [documents:read]
      member:
        description: Member
        inherits: [user]
        scopes: [documents:read]
"""

RESOURCES = """
    resources:
      document:
        attributes:
          owner_id: int?
          org: string
          status: string
        organization: org
"""


def problems(policy_dir: Path) -> list[str]:
    return [str(problem).removeprefix(str(policy_dir) + "/") for problem in check_policy_dir(policy_dir)]


def write(write_policy: WritePolicy, rules: str, resources: str = RESOURCES) -> None:
    write_policy("base.yaml", BASE)
    write_policy("objects.yaml", textwrap.dedent(resources).strip("\n") + "\n" + textwrap.dedent(rules))


def test_resources_and_rules_load_with_their_locations(write_policy: WritePolicy, policy_dir: Path) -> None:
    write(
        write_policy,
        """
        rules:
          - name: owners-write
            resource: document
            roles: [user]
            scopes: [documents:*]
            when: resource.owner_id == principal.id
        """,
    )
    policy = load_policy(policy_dir)
    (rule,) = policy.rules
    assert rule.scopes == {"documents:read", "documents:write"}
    assert str(rule.location).endswith("objects.yaml:10")
    assert policy.resources["document"].organization == "org"
    assert str(policy.resources["document"].attributes["org"]) == "string?"


def test_a_rule_with_an_unknown_attribute_fails_the_load_at_its_when_line(
    write_policy: WritePolicy, policy_dir: Path
) -> None:
    write(
        write_policy,
        """
        rules:
          - name: titled
            resource: document
            roles: [user]
            scopes: [documents:write]
            when: resource.title == "x"
        """,
    )
    assert problems(policy_dir) == [
        "objects.yaml:14: rule 'titled': unknown attribute 'title' of resource 'document' (declared: org, "
        "owner_id, status) (column 1 of 'when')"
    ]


def test_a_rule_that_cannot_be_translated_into_sql_fails_the_load_naming_the_construct(
    write_policy: WritePolicy, policy_dir: Path
) -> None:
    write(
        write_policy,
        """
        rules:
          - name: sized
            resource: document
            roles: [user]
            scopes: [documents:write]
            when: size(resource.status) > 3
        """,
    )
    (problem,) = problems(policy_dir)
    assert problem.startswith("objects.yaml:14: rule 'sized': function calls ('size(...)') are outside")


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "resource: folder\n    roles: [user]\n    scopes: [documents:read]",
            "objects.yaml:10: rule 'r' is for unknown resource 'folder' (known: document)",
        ),
        (
            "resource: document\n    roles: [boss]\n    scopes: [documents:read]",
            "objects.yaml:12: rule 'r' names unknown role 'boss'",
        ),
        (
            "resource: document\n    roles: [user]\n    scopes: [documents:delete]",
            "objects.yaml:13: rule 'r' grants unknown scope 'documents:delete' "
            "(not in any 'scopes:' catalogue)",
        ),
        (
            "resource: document\n    roles: []\n    scopes: [documents:read]",
            "objects.yaml:12: rule 'r' needs 'roles', a non-empty list",
        ),
        (
            "resource: document\n    roles: [user]\n    scopes: [documents:read]\n    deny: true",
            "objects.yaml:14: unknown key 'deny' in rule 'r' (expected name, resource, roles, scopes, when)",
        ),
    ],
)
def test_each_mistake_in_a_rule_is_reported_at_its_line(
    write_policy: WritePolicy, policy_dir: Path, rule: str, expected: str
) -> None:
    write(write_policy, "\nrules:\n  - name: r\n    " + rule + "\n")
    assert problems(policy_dir) == [expected]


def test_two_rules_with_one_name_are_reported(write_policy: WritePolicy, policy_dir: Path) -> None:
    rule = "  - name: r\n    resource: document\n    roles: [user]\n    scopes: [documents:read]\n"
    write(write_policy, "\nrules:\n" + rule + rule)
    assert problems(policy_dir) == [
        f"objects.yaml:14: duplicate rule 'r' (first defined at {policy_dir}/objects.yaml:10)"
    ]


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (
            "resources:\n  document:\n    attributes: {owner_id: float}\n",
            "objects.yaml:3: attribute 'owner_id' has unknown type 'float' (use int, string or bool; int? or "
            "string? when it can be null)",
        ),
        (
            "resources:\n  document:\n    attributes: {owner_id: int}\n    organization: org\n",
            "objects.yaml:4: 'organization' of resource 'document' must name one of its string attributes; "
            "'org' is not declared",
        ),
        (
            "resources:\n  Document:\n    attributes: {owner_id: int}\n",
            "objects.yaml:2: malformed resource type 'Document': use lower-case letters, digits and '_'",
        ),
    ],
)
def test_each_mistake_in_a_resource_is_reported_at_its_line(
    write_policy: WritePolicy, policy_dir: Path, resources: str, expected: str
) -> None:
    write(write_policy, "", resources="\n" + resources)
    assert problems(policy_dir) == [expected]


def test_the_shipped_policy_declares_documents_and_its_rules() -> None:
    policy = load_policy(Path(__file__).parents[2] / "policies")
    assert {rule.name for rule in policy.rules} == {
        "owners-manage-their-documents",
        "members-read-published-documents",
    }
    assert policy.held(frozenset({"editor"})) == {"editor", "reader", "user"}
