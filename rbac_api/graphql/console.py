"""The console's questions over GraphQL (`policyMatrix`, `explain`, `pendingPolicyChange`, `recentDenials`):
the same functions as `rbac_api.rest.console_api`, one for one, each needing `policy:read`.

The root fields are wired in `schema.py`; the resolvers here only translate arguments and results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import anyio
import strawberry
from strawberry.types import Info

from rbac_api.core import audit
from rbac_api.core.errors import InvalidInput
from rbac_api.core.text import NUL
from rbac_api.graphql.context import GraphQLContext
from rbac_api.policy import diff
from rbac_api.policy import matrix as matrices
from rbac_api.policy.explain import Source
from rbac_api.services import pending as pending_changes
from rbac_api.services.questions import ask

Ctx = Info[GraphQLContext, None]
#: Longest text argument: names, scopes and filters are far shorter.
MAX_TEXT = 200


@strawberry.type(description="One grant giving a scope: written in `role` as `pattern`, reached along `path`")
class Grant:
    role: str
    pattern: str
    wildcard: bool
    location: str = strawberry.field(description="file:line of the grant")
    path: list[str] = strawberry.field(description="From the cell's role to `role` through `inherits`")

    @classmethod
    def of(cls, source: Source) -> Grant:
        return cls(
            role=source.role,
            pattern=source.pattern,
            wildcard=source.pattern != source.scope,
            location=str(source.location),
            path=list(source.path),
        )


@strawberry.type(description="Whether a role holds a scope, and how")
class MatrixCell:
    role: str
    granted: bool
    how: str | None = strawberry.field(description="own, inherited, or null when not granted")
    grants: list[Grant] = strawberry.field(description="Every grant giving the scope, nearest role first")


@strawberry.type
class MatrixRow:
    scope: str
    description: str
    cells: list[MatrixCell]

    @classmethod
    def of(cls, row: matrices.Row) -> MatrixRow:
        cells = [
            MatrixCell(
                role=c.role, granted=c.how is not None, how=c.how, grants=[Grant.of(s) for s in c.sources]
            )
            for c in row.cells
        ]
        return cls(scope=row.scope, description=row.description, cells=cells)


@strawberry.type(description="Roles x scopes, as `rbac-api policy matrix` shows them")
class PolicyMatrix:
    version: str
    prefix: str
    roles: list[str]
    rows: list[MatrixRow]


@strawberry.type(description="Allow or deny, with the lines `rbac-api policy explain` prints")
class Explanation:
    allowed: bool
    lines: list[str]


@strawberry.type(description="A role x scope, route, field or rule answer that a policy change alters")
class AccessChange:
    role: str
    kind: str = strawberry.field(description="scope, route, field or rule")
    what: str
    old: str = strawberry.field(description='"allow", "deny", or "-" where it does not exist')
    new: str

    @classmethod
    def of(cls, change: diff.Change) -> AccessChange:
        return cls(role=change.role, kind=change.kind, what=change.what, old=change.old, new=change.new)


@strawberry.type(description="The last policy change the service refused; the policy in force stayed")
class RejectedPolicyChange:
    at: datetime | None
    problems: list[str] = strawberry.field(description="Each as file:line: message")


@strawberry.type(description="What the policy files on disk would change against the policy in force")
class PendingPolicyChange:
    in_force_version: str
    in_force_loaded_at: datetime
    on_disk_version: str | None = strawberry.field(description="null when the files would be rejected")
    changes: list[AccessChange]
    problems: list[str] = strawberry.field(
        description="Why the files would be rejected, as file:line: message"
    )
    rejected: RejectedPolicyChange | None

    @classmethod
    def of(cls, found: pending_changes.PendingChange) -> PendingPolicyChange:
        rejected = found.rejected
        return cls(
            in_force_version=found.in_force.version,
            in_force_loaded_at=found.in_force.loaded_at,
            on_disk_version=found.on_disk.version if found.on_disk is not None else None,
            changes=[AccessChange.of(c) for c in found.changes],
            problems=list(found.problems),
            rejected=RejectedPolicyChange(at=rejected.at, problems=list(rejected.problems))
            if rejected
            else None,
        )


@strawberry.type(description="A refused request: who, which route or field, which scopes were missing")
class Denial:
    at: datetime
    username: str | None
    subject: str | None = strawberry.field(description="The user's id")
    target: str = strawberry.field(description="`GET /users` for a route, `Query.users` for a field")
    required_scopes: list[str]
    missing_scopes: list[str]
    policy_version: str

    @classmethod
    def of(cls, denial: audit.Denial) -> Denial:
        return cls(
            at=datetime.fromtimestamp(denial.at, UTC),
            username=denial.username,
            subject=denial.subject,
            target=denial.target,
            required_scopes=list(denial.required_scopes),
            missing_scopes=list(denial.missing_scopes),
            policy_version=denial.policy_version,
        )


def _text(name: str, value: str | None) -> str | None:
    """The REST routes' rule for text arguments: at most `MAX_TEXT` characters, no NUL."""
    if value is not None and (len(value) > MAX_TEXT or NUL in value):
        raise InvalidInput(f"{name} must be at most {MAX_TEXT} characters, without NUL", field=name)
    return value


async def resolve_policy_matrix(info: Ctx, prefix: str = "") -> PolicyMatrix:
    policy = info.context.rbac.engine.policy
    rows = await anyio.to_thread.run_sync(matrices.rows, policy, _text("prefix", prefix) or "")
    return PolicyMatrix(
        version=policy.version, prefix=prefix, roles=list(policy.roles), rows=[MatrixRow.of(r) for r in rows]
    )


async def resolve_explain(info: Ctx, user: str, scope: str, resource: str | None = None) -> Explanation:
    rbac = info.context.rbac
    for name, value in (("user", user), ("scope", scope), ("resource", resource)):
        _text(name, value)
    question = partial(
        ask, rbac.engine, rbac.users, rbac.documents, user=user, scope=scope, resource=resource
    )
    answer = await anyio.to_thread.run_sync(question)
    return Explanation(allowed=answer.allowed, lines=list(answer.lines))


async def resolve_pending_policy_change(info: Ctx) -> PendingPolicyChange:
    found = await anyio.to_thread.run_sync(pending_changes.pending_change, info.context.reloader)
    return PendingPolicyChange.of(found)


def resolve_recent_denials(
    info: Ctx,
    limit: int = 100,
    user: str | None = None,
    scope: str | None = None,
    route: str | None = None,
) -> list[Denial]:
    if not 1 <= limit <= audit.DENIALS_KEPT:
        raise InvalidInput(f"limit must be between 1 and {audit.DENIALS_KEPT}", field="limit")
    found = info.context.rbac.denials.recent(
        limit, user=_text("user", user), scope=_text("scope", scope), route=_text("route", route)
    )
    return [Denial.of(d) for d in found]
