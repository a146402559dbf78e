"""A compiled policy sent in slices arrives equal, with its conditions deciding as before."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.policy import Policy, PolicyEngine, load_policy, transfer
from rbac_api.policy.conditions import Subject
from rbac_api.policy.transfer import pack, unpack
from tests.conftest import POLICY_DIR

#: A slice is one pickled list: a few bytes more than its entries pickled one by one.
LIST_OVERHEAD = 16


def received(blobs: list[bytes]) -> tuple[Policy, int]:
    """The policy rebuilt from `blobs`, and how many times the rebuild paused."""
    steps = unpack(blobs)
    pauses = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value, pauses
        pauses += 1


@pytest.fixture(scope="module")
def shipped() -> Policy:
    return load_policy(POLICY_DIR)


def test_the_shipped_policy_arrives_equal_with_its_role_order(shipped: Policy) -> None:
    policy, _ = received(pack(shipped))
    assert policy == shipped
    assert list(policy.roles) == list(shipped.roles)
    assert dict(policy.implied) == dict(shipped.implied)
    assert dict(policy.rules_for) == dict(shipped.rules_for)


@pytest.mark.parametrize("budget", [1, 200, 1024, 10**9])
def test_the_rebuild_pauses_after_every_slice_and_keeps_every_entry_in_order(
    shipped: Policy, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "SLICE_BYTES", budget)
    blobs = pack(shipped)
    policy, pauses = received(blobs)
    assert pauses == len(blobs) - 1
    assert policy == shipped
    assert list(policy.roles) == list(shipped.roles)


def test_a_slice_holds_one_entry_or_at_most_its_byte_budget(
    shipped: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "SLICE_BYTES", 200)
    slices = [pickle.loads(blob) for blob in pack(shipped)[1:]]  # noqa: S301 (made just above)
    entries = len(shipped.scopes) + len(shipped.roles) + len(shipped.implied)
    assert sum(len(entries) for entries in slices) == entries
    assert len(slices) > 3
    for blob, held in zip(pack(shipped)[1:], slices, strict=True):
        assert len(held) == 1 or len(blob) <= 200 + LIST_OVERHEAD


def test_rules_in_the_index_are_the_rules_of_the_policy(shipped: Policy) -> None:
    policy, _ = received(pack(shipped))
    indexed = {id(rule) for rules in policy.rules_for.values() for rule in rules}
    assert indexed == {id(rule) for rule in policy.rules}


def test_read_only_mappings_stay_read_only(shipped: Policy) -> None:
    policy, _ = received(pack(shipped))
    with pytest.raises(TypeError):
        policy.roles["intruder"] = policy.roles["admin"]  # type: ignore[index]
    resource = policy.resources["document"]
    assert type(resource.attributes) is type(shipped.resources["document"].attributes)


@given(
    owner=st.integers(min_value=-3, max_value=3),
    me=st.integers(min_value=-3, max_value=3),
    status=st.sampled_from(["draft", "published", ""]),
    roles=st.sets(st.sampled_from(["user", "member", "reader", "auditor"]), max_size=3),
)
def test_conditions_decide_after_the_trip_as_before_it(
    shipped: Policy, owner: int, me: int, status: str, roles: set[str]
) -> None:
    policy, _ = received(pack(shipped))
    subject = Subject(me, "someone", frozenset(roles), frozenset())
    attributes = {"owner_id": owner, "status": status, "org": None}
    for before, after in zip(shipped.rules, policy.rules, strict=True):
        assert before.condition is not None
        assert after.condition is not None
        assert after.condition.test(subject, attributes) == before.condition.test(subject, attributes)
        assert after.condition.residual(subject) == before.condition.residual(subject)


def test_a_large_policy_arrives_equal(tmp_path: Path) -> None:
    from tests.policy.test_policy_large import large_policy_text

    scopes, roles = large_policy_text()
    (tmp_path / "scopes.yaml").write_text(scopes)
    (tmp_path / "roles.yaml").write_text(roles)
    large = load_policy(tmp_path)
    policy, pauses = received(pack(large))
    assert policy == large
    assert pauses > 100
    engine = PolicyEngine(policy)
    assert engine.policy.granted(frozenset({"role4"})) == large.granted(frozenset({"role4"}))
