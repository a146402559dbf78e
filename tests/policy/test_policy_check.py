"""How `check_policy_dir` reports: all problems at once, in order, and no follow-on noise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rbac_api.policy import check_policy_dir

WritePolicy = Callable[[str, str], Path]

SCOPES = """
    scopes:
      users:read: Read users
      documents:read: Read documents
    """


def lines(policy_dir: Path) -> list[str]:
    """Problems as printed, with the directory shortened so expectations stay readable."""
    return [str(problem).replace(f"{policy_dir}/", "") for problem in check_policy_dir(policy_dir)]


def test_problem_prints_as_file_line_message(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("roles.yaml", "default_role: user\nroles: []\n")
    problems = check_policy_dir(policy_dir)
    assert [str(p) for p in problems] == [
        f"{policy_dir / 'roles.yaml'}:1: default_role 'user' is not a defined role",
        f"{policy_dir / 'roles.yaml'}:2: 'roles' must be a mapping of role name to role; found a list",
    ]


def test_every_problem_in_one_file_is_reported(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy(
        "roles.yaml",
        """
        default_role: nobody
        roles:
          user:
            scopes: [users:read, users:write]
            inherits: [guest]
          admin:
            description: Admins
            scopes: ["*"]
            extra: 1
        """,
    )
    assert lines(policy_dir) == [
        "roles.yaml:1: default_role 'nobody' is not a defined role",
        "roles.yaml:3: role 'user' has no description",
        "roles.yaml:4: role 'user' grants unknown scope 'users:write' (not in any 'scopes:' catalogue)",
        "roles.yaml:5: role 'user' inherits unknown role 'guest'",
        "roles.yaml:8: '*' alone is not allowed in role 'admin': use a prefix such as 'users:*'",
        "roles.yaml:9: unknown key 'extra' in role 'admin' (expected description, inherits, scopes)",
    ]


def test_every_duplicate_key_is_reported(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy(
        "scopes.yaml",
        """
        scopes:
          users:read: Read users
          users:read: Read users again
          documents:read: Read documents
          documents:read: Read documents again
        """,
    )
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: {description: U, scopes: [users:read]}\n")
    assert lines(policy_dir) == [
        "scopes.yaml:3: duplicate key 'users:read' (first at line 2); remove one",
        "scopes.yaml:5: duplicate key 'documents:read' (first at line 4); remove one",
    ]


def test_problems_are_ordered_by_file_then_line(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy(
        "b.yaml", "roles:\n  x: {description: X, scopes: [no:such]}\n  Y: {description: Y, scopes: [a:b]}\n"
    )
    write_policy("a.yaml", "default_role: x\nbogus: 1\n")
    positions = [(p.location.file, p.location.line) for p in check_policy_dir(policy_dir)]
    assert positions == sorted(positions)
    assert len(positions) == 4


def test_syntax_error_suppresses_cross_file_checks_only(policy_dir: Path, write_policy: WritePolicy) -> None:
    # The catalogue is unreadable, so every grant would look unknown: those reports would be noise.
    write_policy("scopes.yaml", "scopes:\n  users:read: [unclosed\n")
    write_policy(
        "roles.yaml",
        """
        default_role: user
        roles:
          user: {description: U, scopes: [users:read]}
          Bad: {description: B}
        """,
    )
    assert lines(policy_dir) == [
        "roles.yaml:4: malformed role name 'Bad': use lower-case letters, digits, '_' or '-', "
        "starting with a letter, such as 'admin'",
        "scopes.yaml:3: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence)",
    ]


def test_empty_file_contributes_nothing(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: {description: U, scopes: [users:read]}\n")
    write_policy("empty.yaml", "# nothing here yet\n")
    assert check_policy_dir(policy_dir) == []


def test_only_yaml_files_directly_in_the_directory_are_read(
    policy_dir: Path, write_policy: WritePolicy
) -> None:
    write_policy("scopes.yml", SCOPES)
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: {description: U, scopes: [users:read]}\n")
    write_policy("tests/case.yaml", "not: a policy file\n")
    write_policy("README.md", "not: a policy file\n")
    write_policy(".roles.yaml.swp", "not: a policy file\n")
    assert check_policy_dir(policy_dir) == []


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    assert [str(p) for p in check_policy_dir(tmp_path / "nowhere")] == [
        f"{tmp_path / 'nowhere'}:0: policy directory not found"
    ]


def test_directory_without_policy_files_is_reported(policy_dir: Path) -> None:
    assert [str(p) for p in check_policy_dir(policy_dir)] == [
        f"{policy_dir}:0: no policy files (*.yaml, *.yml) in this directory"
    ]


def test_cycle_is_reported_once_however_it_is_reached(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy(
        "roles.yaml",
        """
        default_role: outside
        roles:
          outside: {description: O, scopes: [users:read], inherits: [b, a]}
          a: {description: A, scopes: [users:read], inherits: [b, b]}
          b: {description: B, scopes: [users:read], inherits: [a]}
        """,
    )
    # Reported where the cycle closes: the `a` role's `inherits: [b, b]`.
    assert lines(policy_dir) == ["roles.yaml:4: inheritance cycle: b -> a -> b"]


def test_role_inheriting_an_empty_role_is_not_reported_too(
    policy_dir: Path, write_policy: WritePolicy
) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy(
        "roles.yaml",
        """
        default_role: child
        roles:
          empty: {description: E}
          child: {description: C, inherits: [empty]}
        """,
    )
    assert lines(policy_dir) == [
        "roles.yaml:3: role 'empty' grants nothing: give it scopes or inherit a role that has some"
    ]


def test_role_empty_only_through_a_reported_error_is_not_reported_twice(
    policy_dir: Path, write_policy: WritePolicy
) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: {description: U, scopes: [users:wrte]}\n")
    assert lines(policy_dir) == [
        "roles.yaml:3: role 'user' grants unknown scope 'users:wrte' (not in any 'scopes:' catalogue)"
    ]


def test_explicit_tag_with_a_bad_value_is_a_syntax_error(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: !!int many\n")
    assert lines(policy_dir) == [
        "roles.yaml:3: YAML syntax error: cannot read value (invalid literal for int() with base 10: 'many')"
    ]


def test_file_that_is_not_utf8_is_reported_at_the_bad_line(policy_dir: Path) -> None:
    (policy_dir / "roles.yaml").write_bytes(b"default_role: user\nroles:\n  caf\xe9: {}\n")
    assert lines(policy_dir) == ["roles.yaml:3: file is not UTF-8 text"]


def test_problem_with_a_multi_line_name_still_prints_on_one_line(
    policy_dir: Path, write_policy: WritePolicy
) -> None:
    write_policy(
        "roles.yaml", 'default_role: user\nroles:\n  user: {description: U, scopes: ["a:b\\nc:d"]}\n'
    )
    assert lines(policy_dir) == [
        "roles.yaml:3: role 'user' grants unknown scope 'a:b\\nc:d' (not in any 'scopes:' catalogue)"
    ]
