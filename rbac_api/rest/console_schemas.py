"""Response bodies of the console's JSON API: the matrix, an explained answer, the pending change, the
recent denials. Each is built from the policy tools' own results, never from a second decision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from rbac_api.core.audit import Denial
from rbac_api.policy.diff import Change
from rbac_api.policy.explain import Source
from rbac_api.policy.matrix import Row
from rbac_api.services.pending import PendingChange


class GrantOut(BaseModel):
    """One grant giving a scope: written in `role` as `pattern`, reached from the cell's role along `path`."""

    role: str
    pattern: str
    wildcard: bool
    location: str = Field(description="file:line of the grant")
    path: list[str] = Field(description="From the cell's role to `role` through `inherits`")

    @classmethod
    def of(cls, source: Source) -> GrantOut:
        return cls(
            role=source.role,
            pattern=source.pattern,
            wildcard=source.pattern != source.scope,
            location=str(source.location),
            path=list(source.path),
        )


class MatrixCellOut(BaseModel):
    role: str
    granted: bool
    how: Literal["own", "inherited"] | None = Field(
        description="own: the role grants it itself; inherited: from a role it inherits; null: not granted"
    )
    grants: list[GrantOut] = Field(description="Every grant giving the scope, nearest role first")


class MatrixRowOut(BaseModel):
    scope: str
    description: str
    cells: list[MatrixCellOut]

    @classmethod
    def of(cls, row: Row) -> MatrixRowOut:
        cells = [
            MatrixCellOut(
                role=c.role, granted=c.how is not None, how=c.how, grants=[GrantOut.of(s) for s in c.sources]
            )
            for c in row.cells
        ]
        return cls(scope=row.scope, description=row.description, cells=cells)


class MatrixOut(BaseModel):
    version: str
    prefix: str
    roles: list[str]
    rows: list[MatrixRowOut]


class ExplainOut(BaseModel):
    allowed: bool
    lines: list[str] = Field(description="What `rbac-api policy explain` prints for the same question")


class ChangeOut(BaseModel):
    role: str
    kind: Literal["scope", "route", "field", "rule"]
    what: str
    old: str = Field(description='"allow", "deny", or "-" where the role or scope does not exist')
    new: str

    @classmethod
    def of(cls, change: Change) -> ChangeOut:
        return cls(role=change.role, kind=change.kind, what=change.what, old=change.old, new=change.new)


class RejectedOut(BaseModel):
    """The last policy change the service refused; the policy in force stayed."""

    at: datetime | None
    problems: list[str] = Field(description="Each as file:line: message")


class PendingOut(BaseModel):
    in_force_version: str
    in_force_loaded_at: datetime
    on_disk_version: str | None = Field(description="null when the files on disk would be rejected")
    changes: list[ChangeOut] = Field(description="`rbac-api policy diff` of the policy in force vs the files")
    problems: list[str] = Field(description="Why the files on disk would be rejected, as file:line: message")
    rejected: RejectedOut | None

    @classmethod
    def of(cls, pending: PendingChange) -> PendingOut:
        rejected = pending.rejected
        return cls(
            in_force_version=pending.in_force.version,
            in_force_loaded_at=pending.in_force.loaded_at,
            on_disk_version=pending.on_disk.version if pending.on_disk is not None else None,
            changes=[ChangeOut.of(c) for c in pending.changes],
            problems=list(pending.problems),
            rejected=RejectedOut(at=rejected.at, problems=list(rejected.problems)) if rejected else None,
        )


class DenialOut(BaseModel):
    at: datetime
    username: str | None
    subject: str | None = Field(description="The user's id")
    target: str = Field(description="`GET /users` for a route, `Query.users` for a GraphQL field")
    required_scopes: list[str]
    missing_scopes: list[str]
    policy_version: str

    @classmethod
    def of(cls, denial: Denial) -> DenialOut:
        return cls(
            at=datetime.fromtimestamp(denial.at, UTC),
            username=denial.username,
            subject=denial.subject,
            target=denial.target,
            required_scopes=list(denial.required_scopes),
            missing_scopes=list(denial.missing_scopes),
            policy_version=denial.policy_version,
        )


class DenialsOut(BaseModel):
    items: list[DenialOut] = Field(description="Newest first")
    kept: int = Field(description="How many recent denials this process keeps")
