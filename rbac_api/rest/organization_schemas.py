"""Request and response bodies of the organization routes (snake_case JSON, see the README)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from rbac_api.rest.schemas import Strict
from rbac_api.store.organizations import MemberRecord, OrganizationRecord
from rbac_api.store.tables import ORGANIZATION_NAME_MAX

#: A new organization's name, as the document declares it and the code enforces it (`store/names.py`).
OrganizationName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=ORGANIZATION_NAME_MAX,
        description=(
            f"1 to {ORGANIZATION_NAME_MAX} characters, also once normalised like a user name (NFKC and "
            "case-folded: `Acme` and `ACME` are one organization); no control, invisible or space characters"
        ),
    ),
]


class OrganizationCreate(Strict):
    name: OrganizationName


class OrganizationCreated(BaseModel):
    name: str
    created_at: datetime

    @classmethod
    def of(cls, record: OrganizationRecord) -> OrganizationCreated:
        return cls(name=record.name, created_at=record.created_at)


class OrganizationOut(BaseModel):
    name: str
    created_at: datetime
    roles: list[str] = Field(description="The caller's roles in the organization (none: not a member)")


class OrganizationPage(BaseModel):
    items: list[OrganizationOut]
    next_cursor: str | None


class MembershipSet(Strict):
    roles: list[str] = Field(
        max_length=100,
        description="The member's whole set of roles in the organization, replacing theirs; [] removes them",
    )


class MemberOut(BaseModel):
    username: str
    user_id: int
    roles: list[str] = Field(description="The member's roles in the organization")

    @classmethod
    def of(cls, record: MemberRecord) -> MemberOut:
        return cls(username=record.username, user_id=record.user_id, roles=list(record.roles))


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None
