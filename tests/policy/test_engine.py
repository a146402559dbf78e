"""PolicyEngine: the one place a scope check is decided."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.principal import Principal
from rbac_api.policy import PolicyEngine, load_policy
from tests.conftest import POLICY_DIR


def principal(*, scopes: set[str], roles: set[str] | None = None) -> Principal:
    return Principal("7", "p", frozenset(roles or set()), frozenset(scopes), "jti", 0)


ENGINE = PolicyEngine(load_policy(POLICY_DIR))


def test_check_allows_when_every_required_scope_is_held() -> None:
    decision = ENGINE.check(principal(scopes={"users:read", "roles:read"}), frozenset({"users:read"}))
    assert decision.allowed
    assert decision.missing == frozenset()


def test_check_denies_naming_the_missing_scopes() -> None:
    decision = ENGINE.check(principal(scopes={"users:read"}), frozenset({"users:read", "users:write"}))
    assert not decision.allowed
    assert decision.missing == frozenset({"users:write"})


def test_check_of_no_scopes_is_allowed_even_holding_none() -> None:
    """All of an empty list is held, as `all([])` is true; `check_any` of one is a denial, as `any([])`."""
    assert ENGINE.check(principal(scopes=set()), frozenset()).allowed


SCOPES = st.frozensets(st.sampled_from(sorted(ENGINE.policy.scopes)))


@given(held=SCOPES, required=SCOPES)
def test_check_allows_exactly_when_every_required_scope_is_held(
    held: frozenset[str], required: frozenset[str]
) -> None:
    assert ENGINE.check(principal(scopes=set(held)), required).allowed == all(s in held for s in required)


def test_check_any_allows_one_of_several() -> None:
    either = frozenset({"users:read", "users:write"})
    assert ENGINE.check_any(principal(scopes={"users:write"}), either).allowed
    assert not ENGINE.check_any(principal(scopes={"profile:read"}), frozenset({"users:read"})).allowed


def test_check_any_of_nothing_is_a_denial() -> None:
    assert not ENGINE.check_any(principal(scopes={"users:read"}), frozenset()).allowed


def test_check_role_ignores_roles_the_policy_no_longer_defines() -> None:
    assert ENGINE.check_role(principal(scopes=set(), roles={"editor"}), frozenset({"editor", "admin"}))
    assert not ENGINE.check_role(principal(scopes=set(), roles={"ghost"}), frozenset({"ghost"}))


def test_swap_replaces_the_policy_as_a_whole() -> None:
    engine = PolicyEngine(load_policy(POLICY_DIR))
    fresh = load_policy(POLICY_DIR)
    old = engine.swap(fresh)
    assert engine.policy is fresh
    assert old is not fresh
