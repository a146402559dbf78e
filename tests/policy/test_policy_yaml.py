"""YAML details of policy files: YAML 1.2 scalars, merge keys, aliases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rbac_api.policy import check_policy_dir, load_policy

WritePolicy = Callable[[str, str], Path]

SCOPES = "scopes:\n  users:read: Read users\n  documents:read: Read documents\n"


def lines(policy_dir: Path) -> list[str]:
    return [str(problem).replace(f"{policy_dir}/", "") for problem in check_policy_dir(policy_dir)]


def test_yes_and_off_are_text_as_in_yaml_1_2(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", "scopes:\n  users:read: yes\n  documents:read: Off\n")
    write_policy("roles.yaml", "default_role: user\nroles:\n  user: {description: U, scopes: [users:read]}\n")
    policy = load_policy(policy_dir)
    assert [scope.description for scope in policy.scopes.values()] == ["yes", "Off"]


def test_merge_key_fills_in_what_a_role_does_not_set(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("scopes.yaml", SCOPES)
    write_policy(
        "roles.yaml",
        """\
default_role: user
roles:
  user: &base
    description: Reads users
    scopes: [users:read]
  reader:
    <<: *base
    description: Reads users too
""",
    )
    policy = load_policy(policy_dir)
    assert policy.roles["reader"].description == "Reads users too"
    assert policy.roles["reader"].scopes == {"users:read"}
    assert policy.roles["reader"].grants[0].location.line == 5


def test_alias_referring_to_itself_is_a_syntax_error(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy(
        "roles.yaml", "default_role: user\nroles:\n  user: &loop {description: U, scopes: [*loop]}\n"
    )
    assert lines(policy_dir) == [
        "roles.yaml:3: YAML syntax error: cannot read value (an alias refers to itself)"
    ]


def test_mapping_as_a_key_is_a_syntax_error(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("roles.yaml", "default_role: user\nroles:\n  ? {a: b}\n  : {description: U}\n")
    assert lines(policy_dir) == [
        "roles.yaml:3: YAML syntax error: cannot read value (a key must be a plain name)"
    ]
