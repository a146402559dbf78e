"""GraphQL object types. A password hash is not in the schema at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from rbac_api.graphql.permissions import IsSelfOr
from rbac_api.policy.model import Policy
from rbac_api.services.sessions import TokenPair
from rbac_api.store.api_tokens import ApiTokenRecord
from rbac_api.store.users import UserRecord, encode_cursor


@strawberry.type(description="A named set of scopes from the policy")
class Role:
    name: str
    description: str
    scopes: list[str] = strawberry.field(description="Effective scopes: own, inherited and wildcard-expanded")

    @classmethod
    def named(cls, policy: Policy, name: str) -> Role:
        definition = policy.roles.get(name)
        if definition is None:  # still assigned in the database, but no longer in the policy: grants nothing
            return cls(name=name, description="(not defined by the policy in force)", scopes=[])
        return cls(name=name, description=definition.description, scopes=sorted(definition.effective_scopes))


@strawberry.type
class User:
    id: strawberry.ID
    username: str
    full_name: str | None
    disabled: bool
    service_account: bool = strawberry.field(
        description="A program's account: it gets tokens with the client-credentials grant, not a password"
    )
    email: str | None = strawberry.field(
        permission_classes=[IsSelfOr("users:read")],
        description="Visible to the user themself or with users:read",
    )
    role_names: strawberry.Private[tuple[str, ...]]

    @strawberry.field(
        permission_classes=[IsSelfOr("roles:read")],
        description="Visible to the user themself or with roles:read",
    )
    def roles(self, info: Info[Any, Any]) -> list[Role] | None:
        policy = info.context.rbac.engine.policy
        return [Role.named(policy, name) for name in self.role_names]

    @classmethod
    def of(cls, record: UserRecord) -> User:
        return cls(
            id=strawberry.ID(str(record.id)),
            username=record.username,
            full_name=record.full_name,
            disabled=record.disabled,
            service_account=record.service_account,
            email=record.email,
            role_names=record.roles,
        )


@strawberry.type
class UserEdge:
    cursor: str
    node: User


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, records: list[UserRecord], next_cursor: str | None) -> UserConnection:
        edges = [UserEdge(cursor=encode_cursor(r.id), node=User.of(r)) for r in records]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=next_cursor is not None, end_cursor=end))


@strawberry.type
class ScopeInfo:
    name: str
    description: str


@strawberry.type
class PolicyInfo:
    version: str
    loaded_at: datetime
    default_role: str
    scopes: list[ScopeInfo]

    @classmethod
    def of(cls, policy: Policy) -> PolicyInfo:
        scopes = [ScopeInfo(name=s.name, description=s.description) for s in policy.scopes.values()]
        return cls(
            version=policy.version,
            loaded_at=policy.loaded_at,
            default_role=policy.default_role,
            scopes=scopes,
        )


@strawberry.type(description="What the caller may do: for UIs deciding what to show")
class Permissions:
    roles: list[str]
    scopes: list[str]


@strawberry.type
class AuthPayload:
    access_token: str
    token_type: str
    expires_in: int
    scopes: list[str]
    refresh_token: str | None = strawberry.field(
        description="Opaque, rotated by every refresh; send it to refreshToken for new tokens"
    )

    @classmethod
    def of(cls, pair: TokenPair) -> AuthPayload:
        return cls(
            access_token=pair.access.token,
            token_type="bearer",  # noqa: S106 (the OAuth2 token type)
            expires_in=pair.access.expires_in,
            scopes=list(pair.access.scopes),
            refresh_token=pair.refresh_token,
        )


@strawberry.input
class CreateUserInput:
    username: str
    password: str
    email: str | None = None
    full_name: str | None = None
    roles: list[str] | None = strawberry.field(default=None, description="Only with users:write")


@strawberry.input
class UpdateUserInput:
    email: str | None = strawberry.UNSET
    full_name: str | None = strawberry.UNSET
    disabled: bool | None = strawberry.UNSET


@strawberry.type(description="A personal API token as listed: never its secret")
class ApiToken:
    id: strawberry.ID
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime

    @classmethod
    def of(cls, record: ApiTokenRecord) -> ApiToken:
        return cls(
            id=strawberry.ID(str(record.id)),
            name=record.name,
            scopes=record.scope_list,
            created_at=record.created,
            last_used_at=record.last_used,
            expires_at=record.expires,
        )


@strawberry.type(description="A token just created: `token` is its secret, shown this once")
class NewApiToken:
    id: strawberry.ID
    name: str
    token: str
    scopes: list[str]
    expires_at: datetime
