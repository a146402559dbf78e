"""Every case in policies/tests/ as its own pytest item, so a failing policy case fails the suite by name."""

from __future__ import annotations

from functools import cache

import pytest

from rbac_api.guarded import service_targets
from rbac_api.policy import Policy, load_policy
from rbac_api.policy.casefile import Case, case_files, read_cases, run_case
from rbac_api.policy.targets import Target
from tests.conftest import POLICY_DIR


def shipped_cases() -> list[object]:
    params: list[object] = []
    for path in case_files(POLICY_DIR):
        cases, problems = read_cases(path)
        params += [pytest.param(case, id=f"{path.name}:{case.location.line} {case.name}") for case in cases]
        params += [pytest.param(str(p), id=f"{path.name}:{p.location.line} malformed") for p in problems]
    return params


@cache
def shipped() -> tuple[Policy, tuple[Target, ...]]:
    return load_policy(POLICY_DIR), tuple(service_targets())


def test_the_shipped_policy_has_test_cases() -> None:
    assert len(shipped_cases()) >= 20


@pytest.mark.parametrize("case", shipped_cases())
def test_policy_case(case: Case | str) -> None:
    if isinstance(case, str):
        pytest.fail(case, pytrace=False)
    policy, targets = shipped()
    outcome = run_case(case, policy, targets)
    if not outcome.passed:
        pytest.fail(f"{case.location}: {outcome.explain()}", pytrace=False)
