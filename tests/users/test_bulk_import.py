"""The rules behind `rbac-api users import`: the file format, each refusal at its line, one transaction."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.core.errors import LastAdministrator
from rbac_api.core.password_pool import hash_all
from rbac_api.core.passwords import bcrypt_context
from rbac_api.policy import Policy, load_policy
from rbac_api.runtime import Rbac
from rbac_api.services.administration import operator_rules
from rbac_api.services.user_csv import Failure, read_rows, write_rows
from rbac_api.services.user_import import Plan, plan_import
from rbac_api.store.user_batch import AccountChange, NewAccount, write_batch
from rbac_api.store.users import UserRecord, every_user
from tests.conftest import POLICY_DIR

HEADER = "username,email,full_name,roles,password\n"
POLICY: Policy = load_policy(POLICY_DIR)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def record(username: str, *roles: str, full_name: str | None = None, user_id: int = 1) -> UserRecord:
    return UserRecord(user_id, username, None, full_name, False, tuple(sorted(roles)), 0, NOW, NOW)


def planned(*rows: str, existing: tuple[UserRecord, ...] = (), generate: bool = False) -> Plan:
    read, unreadable = read_rows(HEADER + "".join(f"{row}\n" for row in rows))
    users = {user.username: user for user in existing}
    plan = plan_import(read, existing=users, policy=POLICY, generate_passwords=generate)
    plan.failures[:0] = unreadable
    return plan


FAILURES = [
    ('"bob smith",,,,long-enough-1', "username must not contain control, invisible or space characters"),
    ("me,,,,long-enough-1", "username 'me' is reserved"),
    ("OK,,,,long-enough-1", "user 'ok' is already on line 2"),
    ("dora,dora-at-example.org,,,long-enough-1", "email must look like name@example.org"),
    ("erin," + "e" * 250 + "@example.org,,,long-enough-1", "email must be at most 254 characters"),
    ("fred,," + "f" * 201 + ",,long-enough-1", "full_name must be at most 200 characters"),
    ("gina,,,editor wizard,long-enough-1", "unknown role(s) wizard; the policy defines admin, auditor"),
    ("hank,,,,short", "password must be at least 8 characters"),
    ("ivan,,,,", "no password for a new user; fill the password cell or pass --generate-passwords"),
    ("jack,,,,long-enough-1,extra", "6 cells where the header has 5"),
]


@pytest.mark.parametrize(
    ("row", "why"),
    FAILURES,
    ids=[
        "username",
        "reserved",
        "duplicate",
        "email",
        "email length",
        "full name",
        "role",
        "password",
        "no password",
        "cells",
    ],
)
def test_each_bad_row_is_refused_at_its_line_saying_why(row: str, why: str) -> None:
    plan = planned("ok,ok@example.org,,,ok-password-1", row)
    (failure,) = plan.failures
    assert failure.line == 3
    assert failure.message.startswith(why)


def test_a_record_spanning_lines_is_counted_from_its_first_line() -> None:
    plan = planned('jane,,"two\nlines",,long-enough-1', "kurt,,,,short")
    assert plan.failures == [Failure(4, "password must be at least 8 characters")]


def test_an_existing_user_keeps_whatever_the_file_leaves_empty() -> None:
    alice = record("alice", "editor", full_name="Alice")
    assert planned("Alice,,,,", existing=(alice,)).unchanged == 1
    (change,) = planned("alice,,,reader,", existing=(alice,)).changes
    assert (change.email, change.full_name, change.roles, change.password) == (None, None, ("reader",), None)


def test_a_new_user_without_roles_gets_the_default_role() -> None:
    (new,) = planned("bob,,,,bob-password-1").new
    assert new.roles == (POLICY.default_role,)


def test_an_empty_password_is_generated_only_when_asked_for() -> None:
    (new,) = planned("bob,,,,", generate=True).new
    assert new.password is None


@given(full_name=st.text(), roles=st.lists(st.sampled_from(sorted(POLICY.roles)), unique=True))
def test_what_export_writes_import_reads_back_exactly(full_name: str, roles: list[str]) -> None:
    out = io.StringIO()
    write_rows([record("alice", *roles, full_name=full_name)], out)
    (row,), failures = read_rows(out.getvalue())
    assert failures == []
    assert (row.username, row.full_name, row.roles, row.password) == (
        "alice",
        full_name,
        tuple(sorted(roles)),
        "",
    )


def test_hashes_come_back_in_order_and_verify() -> None:
    passwords = [f"password-{n}" for n in range(6)]
    hashes = hash_all(passwords, rounds=4, workers=2)
    context = bcrypt_context(4)
    assert [context.verify(p, h) for p, h in zip(passwords, hashes, strict=True)] == [True] * 6
    assert not context.verify(passwords[0], hashes[1])


def test_the_store_refuses_a_batch_that_leaves_no_administrator_and_writes_none_of_it(
    rbac: Rbac, make_user: Callable[..., int]
) -> None:
    """Checked again inside the transaction: a concurrent change may have made the plan's check stale."""
    bob = make_user("bob", "user")
    before = list(every_user(rbac.users))
    admin = next(user for user in before if user.username == "admin")
    changes = [AccountChange(admin.id, roles=("user",)), AccountChange(bob, email="bob@example.net")]
    new = [NewAccount("carol", "x", None, None, ("reader",))]
    with pytest.raises(LastAdministrator):
        write_batch(rbac.db, new=new, changes=changes, rules=operator_rules(rbac.engine.policy))
    assert list(every_user(rbac.users)) == before
