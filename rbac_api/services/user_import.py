"""`rbac-api users import`: every row checked against the policy and the accounts as they are, before anything
is written, and turned into what would change.

For a user that exists, an empty cell keeps what is stored (so an exported file imports as no change); a
filled one replaces it, and a password ends the user's live tokens, as a password change does. For a new
user, empty roles mean the policy's default role, and an empty password is generated when asked for.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rbac_api.core.errors import LastAdministrator, RbacError
from rbac_api.core.passwords import password_problem
from rbac_api.core.profile import email_problem, full_name_problem
from rbac_api.policy.model import Policy
from rbac_api.services.administration import operator_rules
from rbac_api.services.user_csv import Failure, Row
from rbac_api.store.user_batch import AccountChange, NewAccount
from rbac_api.store.usernames import new_username, normalize_username
from rbac_api.store.users import UserRecord


@dataclass(frozen=True, slots=True)
class NewUser:
    line: int
    username: str
    email: str | None
    full_name: str | None
    roles: tuple[str, ...]
    #: None: to be generated.
    password: str | None


@dataclass(frozen=True, slots=True)
class Change:
    """What changes for an existing user; None keeps the stored value."""

    line: int
    user: UserRecord
    email: str | None
    full_name: str | None
    roles: tuple[str, ...] | None
    password: str | None


@dataclass
class Plan:
    new: list[NewUser] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)


def roles_problem(policy: Policy, roles: Iterable[str]) -> str | None:
    """Why `roles` cannot be given to anyone under `policy`, or None."""
    unknown = sorted(set(roles) - set(policy.roles))
    if not unknown:
        return None
    return f"unknown role(s) {', '.join(unknown)}; the policy defines {', '.join(sorted(policy.roles))}"


def plan_import(
    rows: Sequence[Row], *, existing: Mapping[str, UserRecord], policy: Policy, generate_passwords: bool
) -> Plan:
    """What importing `rows` would do to the accounts in `existing` (keyed by user name)."""
    plan = Plan()
    first_line: dict[str, int] = {}
    for row in rows:
        try:
            name = _name(row.username, existing)
        except RbacError as exc:
            plan.failures.append(Failure(row.line, exc.message))
            continue
        if name in first_line:
            plan.failures.append(Failure(row.line, f"user {name!r} is already on line {first_line[name]}"))
            continue
        first_line[name] = row.line
        problems = _problems(row, policy, new=name not in existing, generate=generate_passwords)
        if problems:
            plan.failures.append(Failure(row.line, "; ".join(problems)))
        elif name not in existing:
            plan.new.append(_new_user(row, name, policy))
        else:
            _add_change(plan, row, existing[name])
    return plan


def _name(raw: str, existing: Mapping[str, UserRecord]) -> str:
    """An existing account keeps its name as stored; a new one must also not be reserved."""
    name = normalize_username(raw)
    return name if name in existing else new_username(raw)


def _problems(row: Row, policy: Policy, *, new: bool, generate: bool) -> list[str]:
    found = [
        email_problem(row.email) if row.email else None,
        full_name_problem(row.full_name) if row.full_name else None,
        roles_problem(policy, row.roles),
        password_problem(row.password) if row.password else None,
    ]
    if new and not row.password and not generate:
        found.append("no password for a new user; fill the password cell or pass --generate-passwords")
    return [problem for problem in found if problem]


def _new_user(row: Row, name: str, policy: Policy) -> NewUser:
    return NewUser(
        line=row.line,
        username=name,
        email=row.email or None,
        full_name=row.full_name or None,
        roles=tuple(sorted(set(row.roles or [policy.default_role]))),
        password=row.password or None,
    )


def _add_change(plan: Plan, row: Row, user: UserRecord) -> None:
    roles = tuple(sorted(set(row.roles)))
    change = Change(
        line=row.line,
        user=user,
        email=row.email if row.email and row.email != user.email else None,
        full_name=row.full_name if row.full_name and row.full_name != user.full_name else None,
        roles=roles if roles and roles != user.roles else None,
        password=row.password or None,
    )
    if (change.email, change.full_name, change.roles, change.password) == (None, None, None, None):
        plan.unchanged += 1
    else:
        plan.changes.append(change)


def new_passwords(plan: Plan) -> dict[str, str]:
    """A password for each new user without one: 24 URL-safe characters, 144 random bits."""
    return {user.username: secrets.token_urlsafe(18) for user in plan.new if user.password is None}


def hashed_batch(
    plan: Plan, generated: Mapping[str, str], hash_all: Callable[[list[str]], list[str]]
) -> tuple[list[NewAccount], list[AccountChange]]:
    """What the store writes for `plan`: every password hashed by one call of `hash_all`, which can then
    keep every core busy (`generated` holds the passwords of `new_passwords`)."""
    passwords = [user.password or generated[user.username] for user in plan.new]
    passwords += [change.password for change in plan.changes if change.password is not None]
    hashes = iter(hash_all(passwords))
    new = [NewAccount(u.username, next(hashes), u.email, u.full_name, u.roles) for u in plan.new]
    changes = [
        AccountChange(
            user_id=c.user.id,
            email=c.email,
            full_name=c.full_name,
            roles=c.roles,
            password_hash=None if c.password is None else next(hashes),
        )
        for c in plan.changes
    ]
    return new, changes


def last_administrator_problem(plan: Plan, existing: Iterable[UserRecord], policy: Policy) -> str | None:
    """The refusal when the import would take administration away from the last ones holding it.

    The same rule as for one change (`ChangeRules`): it applies when an administrator loses the role that
    made them one, and then somebody must be an administrator afterwards. The store checks it again in the
    import's transaction; this is the answer a dry run gives, with the lines to blame.
    """
    rules = operator_rules(policy)

    def administers(roles: Iterable[str], disabled: bool) -> bool:
        return rules.is_administrator(frozenset(roles), disabled=disabled)

    new_roles = {change.user.id: change.roles for change in plan.changes if change.roles is not None}
    demoting = [
        change.line
        for change in plan.changes
        if change.roles is not None
        and administers(change.user.roles, change.user.disabled)
        and not administers(change.roles, change.user.disabled)
    ]
    if not demoting:
        return None
    after = [(new_roles.get(user.id, user.roles), user.disabled) for user in existing]
    after += [(user.roles, False) for user in plan.new]
    if any(administers(roles, disabled) for roles, disabled in after):
        return None
    lines = ", ".join(map(str, demoting))
    return f"{LastAdministrator().message} (the roles on line(s) {lines} take administration away)"
