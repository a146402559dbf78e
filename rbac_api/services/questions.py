""" "May USER do SCOPE (on RESOURCE)?" answered with its reasons: what `rbac-api policy explain --user`
prints, and what the console's Ask view and `GET /policy/explain` show, from one implementation.

The user, their organization memberships and the object are read from the database; the decision and
its wording are `rbac_api.policy.explain`'s. Blocking (database reads): the service runs it in a worker
thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from rbac_api.core.errors import InvalidInput, NotFound
from rbac_api.core.principal import Principal
from rbac_api.policy.engine import PolicyEngine
from rbac_api.policy.explain import ObjectRef, explain_object, explain_scopes
from rbac_api.policy.model import Policy
from rbac_api.policy.targets import principal_with
from rbac_api.store.documents import DocumentStore
from rbac_api.store.usernames import normalize_username
from rbac_api.store.users import UserRecord, UserStore

DISABLED = "DENY: the account is disabled (enable it with: rbac-api users disable --enable NAME)"
#: The object types a question may name: the one resource type this service stores.
RESOURCE_EXAMPLE = "document:42"


@dataclass(frozen=True, slots=True)
class Answer:
    allowed: bool
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Caller:
    """A stored user as the policy sees them: `who` is how explanations name them, `alice (editor)`."""

    record: UserRecord
    who: str
    principal: Principal


def find_caller(users: UserStore, policy: Policy, name: str) -> Caller:
    """The user named `name` holding every scope their roles and memberships grant; `NotFound` otherwise."""
    try:
        record = users.get(normalize_username(name))
    except InvalidInput:
        raise NotFound(f"user {name!r} not found") from None
    state = users.state(record.id)
    principal = principal_with(
        frozenset(record.roles),
        policy,
        username=record.username,
        subject=str(record.id),
        memberships=state.memberships if state is not None else None,
    )
    return Caller(record, f"{record.username} ({', '.join(record.roles) or 'no roles'})", principal)


def find_object(documents: DocumentStore, text: str) -> ObjectRef:
    """`document:42` read from the database: `InvalidInput` for another form, `NotFound` when absent."""
    kind, _, ident = text.partition(":")
    if kind != "document" or not (ident.isascii() and ident.isdigit()):
        raise InvalidInput(f"resource {text!r}: give TYPE:ID of a stored object, such as {RESOURCE_EXAMPLE}")
    found = documents.get(int(ident))
    if found is None:
        raise NotFound(f"no document {ident} in the database; list them with GET /documents")
    return ObjectRef("document", ident, found.attributes())


def ask(
    engine: PolicyEngine,
    users: UserStore,
    documents: DocumentStore,
    *,
    user: str,
    scope: str,
    resource: str | None = None,
) -> Answer:
    """Allow or deny, with the lines `rbac-api policy explain --user U --scope S [--resource R]` prints."""
    snapshot = PolicyEngine(engine.policy)  # one policy for the whole answer, even across a reload
    caller = find_caller(users, snapshot.policy, user)
    if caller.record.disabled:
        return Answer(False, (f"{caller.who}: {DISABLED}",))
    if resource:
        target = find_object(documents, resource)
        allowed, lines = explain_object(snapshot, caller.principal, caller.who, scope, target)
    else:
        allowed, lines = explain_scopes(snapshot.policy, caller.principal, caller.who, [scope])
    return Answer(allowed, tuple(lines))
