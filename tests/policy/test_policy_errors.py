"""Every kind of problem `policy check` reports, each with its exact file, line and message."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from rbac_api.policy import PolicyError, check_policy_dir, load_policy

WritePolicy = Callable[[str, str], Path]

SCOPES = textwrap.dedent("""\
    scopes:
      users:read: Read users
      users:write: Change users
      documents:read: Read documents
    """)

ROLES = """
    default_role: user
    roles:
      user:
        description: Anyone signed in
        scopes: [documents:read]
    """


class Case(NamedTuple):
    files: dict[str, str]
    #: Problems as printed, `{dir}` standing for the policy directory.
    expected: list[str]


def roles(text: str) -> dict[str, str]:
    """A case that replaces roles.yaml and keeps the valid catalogue."""
    return {"roles.yaml": text}


CASES = {
    "yaml_syntax_error": Case(
        roles("""
            default_role: user
            roles:
              user: {description: Anyone, scopes: [documents:read]
              admin:
            """),
        [
            "{dir}/roles.yaml:4: YAML syntax error: expected ',' or '}', but got '<scalar>' (while "
            "parsing a flow mapping)",
        ],
    ),
    "duplicate_key_in_one_mapping": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes: [documents:read]
                description: Someone
            """),
        [
            "{dir}/roles.yaml:6: duplicate key 'description' (first at line 4); remove one",
        ],
    ),
    "unknown_top_level_key": Case(
        roles("""
            default_role: user
            role:
              user: {description: Anyone, scopes: [documents:read]}
            roles:
              user: {description: Anyone, scopes: [documents:read]}
            """),
        [
            "{dir}/roles.yaml:2: unknown key 'role' (expected default_role, roles, scopes, resources, rules)",
        ],
    ),
    "unknown_role_key": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scope: [users:read]
                scopes: [documents:read]
            """),
        [
            "{dir}/roles.yaml:5: unknown key 'scope' in role 'user' (expected description, inherits, scopes)",
        ],
    ),
    "unknown_scope_in_role": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes:
                  - documents:read
                  - documents:write
            """),
        [
            "{dir}/roles.yaml:7: role 'user' grants unknown scope 'documents:write' (not in any "
            "'scopes:' catalogue)",
        ],
    ),
    "unknown_inherited_role": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes: [documents:read]
                inherits: [guest]
            """),
        [
            "{dir}/roles.yaml:6: role 'user' inherits unknown role 'guest'",
        ],
    ),
    "unknown_default_role": Case(
        roles("""
            default_role: guest
            roles:
              user: {description: Anyone, scopes: [documents:read]}
            """),
        [
            "{dir}/roles.yaml:1: default_role 'guest' is not a defined role",
        ],
    ),
    "missing_default_role": Case(
        roles("""
            roles:
              user: {description: Anyone, scopes: [documents:read]}
            """),
        [
            "{dir}:0: no default_role: add 'default_role: <role>' to one policy file",
        ],
    ),
    "default_role_in_two_files": Case(
        {"scopes.yaml": SCOPES + "default_role: user\n"},
        [
            "{dir}/scopes.yaml:5: default_role set again (first at {dir}/roles.yaml:1)",
        ],
    ),
    "inheritance_cycle": Case(
        roles("""
            default_role: a
            roles:
              a: {description: A, scopes: [users:read], inherits: [b]}
              b: {description: B, scopes: [users:read], inherits: [c]}
              c: {description: C, scopes: [users:read], inherits: [a]}
            """),
        [
            "{dir}/roles.yaml:5: inheritance cycle: a -> b -> c -> a",
        ],
    ),
    "role_inheriting_itself": Case(
        roles("""
            default_role: a
            roles:
              a:
                description: A
                scopes: [users:read]
                inherits:
                  - a
            """),
        [
            "{dir}/roles.yaml:7: inheritance cycle: a -> a",
        ],
    ),
    "duplicate_scope_across_files": Case(
        {"extra.yaml": "scopes:\n  users:read: Read users again\n"},
        [
            "{dir}/scopes.yaml:2: duplicate scope 'users:read' (first defined at {dir}/extra.yaml:2)",
        ],
    ),
    "duplicate_role_across_files": Case(
        {"more-roles.yaml": "roles:\n  user: {description: Anyone, scopes: [users:read]}\n"},
        [
            "{dir}/roles.yaml:3: duplicate role 'user' (first defined at {dir}/more-roles.yaml:2)",
        ],
    ),
    "wildcard_matching_nothing": Case(
        roles("""
            default_role: user
            roles:
              user: {description: Anyone, scopes: ["documents:read", "billing:*"]}
            """),
        [
            "{dir}/roles.yaml:3: wildcard 'billing:*' in role 'user' matches no scope in the catalogue",
        ],
    ),
    "role_granting_nothing": Case(
        roles("""
            default_role: user
            roles:
              user: {description: Anyone, scopes: [documents:read]}
              idle:
                description: Does nothing
                scopes: []
            """),
        [
            "{dir}/roles.yaml:4: role 'idle' grants nothing: give it scopes or inherit a role that has some",
        ],
    ),
    "malformed_scope_name": Case(
        {"scopes.yaml": SCOPES + "  Users:Read: Read users\n  documents: Documents\n"},
        [
            "{dir}/scopes.yaml:5: malformed scope name 'Users:Read': use lower-case words "
            "(letters, digits, '_', '-') joined by ':', such as 'users:read'",
            "{dir}/scopes.yaml:6: malformed scope name 'documents': use lower-case words (letters, "
            "digits, '_', '-') joined by ':', such as 'users:read'",
        ],
    ),
    "bare_star_grant": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes: [documents:read, "*"]
            """),
        [
            "{dir}/roles.yaml:5: '*' alone is not allowed in role 'user': use a prefix such as 'users:*'",
        ],
    ),
    "malformed_wildcard": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes:
                  - documents:read
                  - users:re*
            """),
        [
            "{dir}/roles.yaml:7: malformed wildcard 'users:re*' in role 'user': use a scope prefix "
            "and ':*', such as 'users:*'",
        ],
    ),
    "malformed_role_name": Case(
        roles("""
            default_role: user
            roles:
              user: {description: Anyone, scopes: [documents:read]}
              Admin: {description: Admins, scopes: [users:write]}
            """),
        [
            "{dir}/roles.yaml:4: malformed role name 'Admin': use lower-case letters, digits, '_' "
            "or '-', starting with a letter, such as 'admin'",
        ],
    ),
    "role_without_description": Case(
        roles("""
            default_role: user
            roles:
              user:
                scopes: [documents:read]
            """),
        [
            "{dir}/roles.yaml:3: role 'user' has no description",
        ],
    ),
    "role_with_empty_description": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: "  "
                scopes: [documents:read]
            """),
        [
            "{dir}/roles.yaml:4: role 'user' has an empty description",
        ],
    ),
    "scope_with_empty_description": Case(
        {"scopes.yaml": SCOPES + "  users:delete:\n"},
        [
            "{dir}/scopes.yaml:5: scope 'users:delete' has an empty description",
        ],
    ),
    "scope_description_not_text": Case(
        {"scopes.yaml": SCOPES + "  users:delete: [a, b]\n"},
        [
            "{dir}/scopes.yaml:5: description of scope 'users:delete' must be text; found a list",
        ],
    ),
    "role_scopes_given_as_text": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes: documents:read
            """),
        [
            "{dir}/roles.yaml:5: 'scopes' of role 'user' must be a list of scope names; found text "
            "'documents:read'",
        ],
    ),
    "role_inherits_given_as_text": Case(
        roles("""
            default_role: user
            roles:
              base: {description: Base, scopes: [documents:read]}
              user:
                description: Anyone
                inherits: base
            """),
        [
            "{dir}/roles.yaml:6: 'inherits' of role 'user' must be a list of role names; found text 'base'",
        ],
    ),
    "grant_written_as_mapping": Case(
        roles("""
            default_role: user
            roles:
              user:
                description: Anyone
                scopes:
                  - documents:read
                  - users: read
            """),
        [
            "{dir}/roles.yaml:7: 'scopes' of role 'user' lists a mapping, not a scope name (a "
            "space after ':' makes 'a: b' a mapping)",
        ],
    ),
    "role_body_not_a_mapping": Case(
        roles("""
            default_role: user
            roles:
              user: {description: Anyone, scopes: [documents:read]}
              admin: everything
            """),
        [
            "{dir}/roles.yaml:4: role 'admin' must be a mapping with keys description, inherits, "
            "scopes; found text 'everything'",
        ],
    ),
    "roles_given_as_list": Case(
        {"more.yaml": "roles:\n  - admin\n"},
        [
            "{dir}/more.yaml:1: 'roles' must be a mapping of role name to role; found a list",
        ],
    ),
    "scopes_given_as_text": Case(
        {"more.yaml": "scopes: users:read\n"},
        [
            "{dir}/more.yaml:1: 'scopes' must be a mapping of scope name to description; found "
            "text 'users:read'",
        ],
    ),
    "default_role_not_text": Case(
        {"more.yaml": "default_role: [user]\n"},
        [
            "{dir}/more.yaml:1: default_role must be a role name; found a list",
        ],
    ),
    "document_not_a_mapping": Case(
        {"more.yaml": "# a list by mistake\n- scopes\n- roles\n"},
        [
            "{dir}/more.yaml:2: expected a mapping with keys default_role, roles, scopes, resources, rules; "
            "found a list",
        ],
    ),
}


@pytest.fixture
def base_policy(write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy("roles.yaml", ROLES)


@pytest.mark.usefixtures("base_policy")
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_check_reports_the_problem_at_its_file_and_line(
    case: Case, policy_dir: Path, write_policy: WritePolicy
) -> None:
    for name, text in case.files.items():
        write_policy(name, text)
    expected = [line.replace("{dir}", str(policy_dir)) for line in case.expected]
    assert [str(problem) for problem in check_policy_dir(policy_dir)] == expected


@pytest.mark.usefixtures("base_policy")
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_load_refuses_what_check_reports(case: Case, policy_dir: Path, write_policy: WritePolicy) -> None:
    for name, text in case.files.items():
        write_policy(name, text)
    with pytest.raises(PolicyError) as raised:
        load_policy(policy_dir)
    assert raised.value.problems == check_policy_dir(policy_dir)
