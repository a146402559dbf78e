"""What `load_policy` builds: the shipped policy, wildcards, inheritance, an immutable `Policy`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pytest

from rbac_api.policy import Policy, PolicyError, check_policy_dir, load_policy

WritePolicy = Callable[[str, str], Path]

SHIPPED = Path(__file__).resolve().parents[2] / "policies"

PROFILE = {"profile:read", "profile:write"}
ALL_SCOPES = {
    "users:read",
    "users:write",
    "roles:read",
    "roles:assign",
    "policy:read",
    *PROFILE,
    "documents:read",
    "documents:write",
    "orgs:read",
    "orgs:write",
    "members:assign",
}

SHIPPED_ROLES = {
    "user": PROFILE,
    "auditor": {"users:read", "roles:read", "policy:read"},
    "admin": ALL_SCOPES,
    "reader": {"documents:read", *PROFILE},
    "editor": {"documents:read", "documents:write", *PROFILE},
}


@pytest.fixture
def shipped() -> Policy:
    return load_policy(SHIPPED)


@pytest.fixture
def layered(policy_dir: Path, write_policy: WritePolicy) -> Policy:
    """Three levels of inheritance and wildcards, including a deeper scope under `billing:`."""
    write_policy(
        "scopes.yaml",
        """
        scopes:
          billing:read: Read invoices
          billing:invoices:write: Write invoices
          billingx:read: Not under billing
          users:read: Read users
        """,
    )
    write_policy(
        "roles.yaml",
        """
        default_role: base
        roles:
          base: {description: Base, scopes: [users:read]}
          middle: {description: Middle, scopes: [billing:read], inherits: [base]}
          top: {description: Top, scopes: ["billing:*"], inherits: [middle]}
        """,
    )
    return load_policy(policy_dir)


def test_shipped_policy_has_no_problems() -> None:
    assert check_policy_dir(SHIPPED) == []


def test_shipped_policy_catalogue_has_a_description_for_every_scope(shipped: Policy) -> None:
    assert set(shipped.scopes) == ALL_SCOPES
    assert all(scope.description for scope in shipped.scopes.values())


@pytest.mark.parametrize(("role", "scopes"), SHIPPED_ROLES.items(), ids=SHIPPED_ROLES.keys())
def test_shipped_role_has_expected_effective_scopes(shipped: Policy, role: str, scopes: set[str]) -> None:
    assert shipped.roles[role].effective_scopes == scopes


def test_shipped_default_role_is_user(shipped: Policy) -> None:
    assert shipped.default_role == "user"


def test_wildcard_expands_to_every_scope_under_its_prefix(layered: Policy) -> None:
    (grant,) = layered.roles["top"].grants
    assert grant.pattern == "billing:*"
    assert grant.expands_to == {"billing:read", "billing:invoices:write"}


def test_role_scopes_are_its_own_grants_only(layered: Policy) -> None:
    assert layered.roles["middle"].scopes == {"billing:read"}


def test_inheritance_is_transitive(layered: Policy) -> None:
    assert layered.roles["top"].effective_scopes == {"users:read", "billing:read", "billing:invoices:write"}
    assert layered.roles["top"].inherits == ("middle",)


def test_granted_unions_the_roles_given(layered: Policy) -> None:
    assert layered.granted(frozenset({"base", "middle"})) == {"users:read", "billing:read"}


def test_granted_gives_nothing_for_an_unknown_role(layered: Policy) -> None:
    assert layered.granted(frozenset({"root"})) == frozenset()


def test_policy_mappings_cannot_be_changed(layered: Policy) -> None:
    with pytest.raises(TypeError):
        layered.roles["root"] = layered.roles["top"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del layered.scopes["users:read"]  # type: ignore[attr-defined]


def test_policy_and_roles_are_frozen(layered: Policy) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        layered.default_role = "top"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        layered.roles["top"].effective_scopes = frozenset()  # type: ignore[misc]
    assert isinstance(layered.roles["top"].effective_scopes, frozenset)


def test_policy_records_its_files_and_load_time(layered: Policy, policy_dir: Path) -> None:
    assert layered.files == (str(policy_dir / "roles.yaml"), str(policy_dir / "scopes.yaml"))
    assert layered.loaded_at.tzinfo is UTC


def test_version_is_16_hex_chars_and_depends_only_on_file_names_and_bytes(
    shipped: Policy, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in SHIPPED.glob("*.yaml"):
        (copy / path.name).write_bytes(path.read_bytes())
    assert re.fullmatch(r"[0-9a-f]{16}", shipped.version)
    assert load_policy(copy).version == shipped.version
    with (copy / "roles.yaml").open("a") as roles:
        roles.write("# a comment changes the text, so the version\n")
    assert load_policy(copy).version != shipped.version


def test_load_raises_policy_error_carrying_every_problem(policy_dir: Path, write_policy: WritePolicy) -> None:
    write_policy("roles.yaml", "roles:\n  user: {description: U, scopes: [no:such]}\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(policy_dir)
    assert [p.message for p in raised.value.problems] == [
        "no default_role: add 'default_role: <role>' to one policy file",
        "role 'user' grants unknown scope 'no:such' (not in any 'scopes:' catalogue)",
    ]
    assert str(raised.value) == "\n".join(str(p) for p in raised.value.problems)
