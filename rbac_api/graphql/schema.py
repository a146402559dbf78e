"""The service's GraphQL schema: the same operations as REST, with the same scopes, one for one."""

from __future__ import annotations

import functools
from typing import Any

import strawberry
from strawberry.types import Info

from rbac_api.core.errors import NotFound
from rbac_api.graphql import console
from rbac_api.graphql import documents as docs
from rbac_api.graphql import organizations as orgs
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.guards import RbacSchema
from rbac_api.graphql.limits import page_size
from rbac_api.graphql.permissions import AllowAny, DecidedByUseCase, HasScopes, IsAuthenticated
from rbac_api.graphql.types import (
    ApiToken,
    AuthPayload,
    CreateUserInput,
    NewApiToken,
    Permissions,
    PolicyInfo,
    Role,
    UpdateUserInput,
    User,
    UserConnection,
)
from rbac_api.policy.model import is_scope_name
from rbac_api.services import accounts, api_tokens
from rbac_api.services.login import check_requested_scopes, login
from rbac_api.services.sessions import end_current_session, refresh_session

Ctx = Info[GraphQLContext, None]


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[HasScopes("profile:read")], description="The caller's own account")
    async def me(self, info: Ctx) -> User | None:
        return User.of(await accounts.own_account(info.context.rbac, info.context.principal))

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's personal API tokens (never their secrets)",
    )
    async def api_tokens(self, info: Ctx) -> list[ApiToken]:
        found = await api_tokens.own_tokens(info.context.rbac, info.context.principal)
        return [ApiToken.of(record) for record in found]

    @strawberry.field(permission_classes=[HasScopes("users:read")])
    async def user(self, info: Ctx, username: str) -> User | None:
        try:
            return User.of(await accounts.get_account(info.context.rbac, username))
        except NotFound:
            return None

    @strawberry.field(permission_classes=[HasScopes("users:read")])
    async def users(self, info: Ctx, first: int = 50, after: str | None = None) -> UserConnection:
        records, next_cursor = await accounts.list_accounts(
            info.context.rbac, limit=page_size(first), cursor=after
        )
        return UserConnection.of(records, next_cursor)

    @strawberry.field(permission_classes=[HasScopes("roles:read")])
    def roles(self, info: Ctx) -> list[Role]:
        policy = info.context.rbac.engine.policy
        return [Role.named(policy, name) for name in policy.roles]

    @strawberry.field(permission_classes=[HasScopes("policy:read")])
    def policy(self, info: Ctx) -> PolicyInfo:
        return PolicyInfo.of(info.context.rbac.engine.policy)

    documents: docs.DocumentConnection = strawberry.field(
        resolver=docs.resolve_documents,
        permission_classes=[DecidedByUseCase("object_scopes", "documents:read", resource="document")],
        description="The documents the caller may read (globally, in their organizations, or by a rule)",
    )
    document: docs.Document | None = strawberry.field(
        resolver=docs.resolve_document,
        permission_classes=[DecidedByUseCase("object_scopes", "documents:read", resource="document")],
        description="A document, or null when it does not exist or the caller may not read it",
    )

    policy_matrix: console.PolicyMatrix = strawberry.field(
        resolver=console.resolve_policy_matrix,
        permission_classes=[HasScopes("policy:read")],
        description="Roles x scopes, each cell saying how the scope is granted; `prefix` keeps the scopes "
        "starting with it (GET /policy/matrix)",
    )
    explain: console.Explanation = strawberry.field(
        resolver=console.resolve_explain,
        permission_classes=[HasScopes("policy:read")],
        description="May `user` use `scope` (on `resource`, such as document:42)? The answer of `rbac-api "
        "policy explain` under the policy in force (GET /policy/explain)",
    )
    pending_policy_change: console.PendingPolicyChange = strawberry.field(
        resolver=console.resolve_pending_policy_change,
        permission_classes=[HasScopes("policy:read")],
        description="What the policy files on disk would change, or why they would be rejected; and the last "
        "rejected change (GET /policy/pending)",
    )
    recent_denials: list[console.Denial] = strawberry.field(
        resolver=console.resolve_recent_denials,
        permission_classes=[HasScopes("policy:read")],
        description="The most recent denials of the process that answers, newest first; each filter matches "
        "part of the user name, a scope asked for, or the route or field (GET /audit/denials)",
    )

    organizations: orgs.OrganizationConnection = strawberry.field(
        resolver=orgs.resolve_organizations,
        permission_classes=[IsAuthenticated],
        description="The caller's organizations; every organization with orgs:read",
    )
    organization: orgs.Organization | None = strawberry.field(
        resolver=orgs.resolve_organization,
        permission_classes=[IsAuthenticated],
        description="An organization by name; null when there is none the caller may see",
    )

    @strawberry.field(
        permission_classes=[IsAuthenticated], description="The caller's roles and effective scopes"
    )
    def my_permissions(self, info: Ctx) -> Permissions:
        principal = info.context.principal
        return Permissions(roles=sorted(principal.roles), scopes=sorted(principal.scopes))

    @strawberry.field(
        permission_classes=[AllowAny],
        description=(
            "Whether the caller holds every one of `scopes`: true for an empty list (holding all of none "
            "is true, as with any all-of check), false when one is not a scope name; an anonymous caller "
            "holds no scope. Never an error"
        ),
    )
    def can(self, info: Ctx, scopes: list[str]) -> bool:
        required = frozenset(scopes)
        if not all(is_scope_name(s) for s in required):
            return False
        return info.context.rbac.engine.check(info.context.principal, required).allowed


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[AllowAny], description="Log in with a password; public by design"
    )
    async def login(
        self, info: Ctx, username: str, password: str, scopes: list[str] | None = None
    ) -> AuthPayload:
        rbac, client = info.context.rbac, info.context.client
        requested = None if scopes is None else check_requested_scopes(scopes, rbac.engine.policy)
        pair = await login(rbac, username=username, password=password, scopes=requested, client=client)
        return AuthPayload.of(pair)

    @strawberry.mutation(
        permission_classes=[AllowAny],
        description="New tokens for a refresh token (which is rotated: use the new one next time); "
        "public by design, the refresh token is the credential",
    )
    async def refresh_token(
        self, info: Ctx, refresh_token: str, scopes: list[str] | None = None
    ) -> AuthPayload:
        rbac = info.context.rbac
        requested = None if scopes is None else check_requested_scopes(scopes, rbac.engine.policy)
        return AuthPayload.of(await refresh_session(rbac, refresh_token=refresh_token, scopes=requested))

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="End the caller's session: its refresh token and every access token it issued",
    )
    async def logout(self, info: Ctx) -> bool:
        await end_current_session(info.context.rbac, info.context.principal)
        return True

    @strawberry.mutation(
        permission_classes=[AllowAny],
        description="Sign up (when allowed) or, with users:write, create a user; the rules are in accounts",
    )
    async def create_user(self, info: Ctx, input: CreateUserInput) -> User:
        record = await accounts.create_account(
            info.context.rbac,
            info.context.principal,
            username=input.username,
            password=input.password,
            email=input.email,
            full_name=input.full_name,
            roles=input.roles,
            client=info.context.client,
        )
        return User.of(record)

    @strawberry.mutation(permission_classes=[HasScopes("users:write")])
    async def update_user(self, info: Ctx, username: str, input: UpdateUserInput) -> User:
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("email", input.email),
                ("full_name", input.full_name),
                ("disabled", input.disabled),
            )
            if value is not strawberry.UNSET
        }
        context = info.context
        return User.of(await accounts.update_account(context.rbac, context.principal, username, changes))

    @strawberry.mutation(permission_classes=[HasScopes("users:write")])
    async def delete_user(self, info: Ctx, username: str) -> bool:
        await accounts.delete_account(info.context.rbac, info.context.principal, username)
        return True

    @strawberry.mutation(
        permission_classes=[HasScopes("users:write")],
        description="Sign a user out everywhere: every session and access token of theirs ends",
    )
    async def end_user_sessions(self, info: Ctx, username: str) -> bool:
        await accounts.end_sessions(info.context.rbac, info.context.principal, username)
        return True

    @strawberry.mutation(permission_classes=[HasScopes("roles:assign")])
    async def assign_role(self, info: Ctx, username: str, role: str) -> User:
        return User.of(await accounts.assign_role(info.context.rbac, info.context.principal, username, role))

    @strawberry.mutation(permission_classes=[HasScopes("roles:assign")])
    async def revoke_role(self, info: Ctx, username: str, role: str) -> User:
        return User.of(await accounts.revoke_role(info.context.rbac, info.context.principal, username, role))

    @strawberry.mutation(
        permission_classes=[HasScopes("profile:write")], description="Ends every live token of the caller"
    )
    async def change_password(self, info: Ctx, old_password: str, new_password: str) -> bool:
        await accounts.change_password(
            info.context.rbac,
            info.context.principal,
            old=old_password,
            new=new_password,
            client=info.context.client,
        )
        return True

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="A personal API token for scripts, with some of the caller's own scopes (FORBIDDEN for "
        "others) and an expiry in days; needs a login, not an API token. The secret is in this answer only.",
    )
    async def create_api_token(
        self, info: Ctx, name: str, scopes: list[str], expires_in_days: int
    ) -> NewApiToken:
        created = await api_tokens.create_api_token(
            info.context.rbac,
            info.context.principal,
            name=name,
            scopes=scopes,
            expires_in_days=expires_in_days,
        )
        record = created.record
        return NewApiToken(
            id=strawberry.ID(str(record.id)),
            name=record.name,
            token=created.token,
            scopes=record.scope_list,
            expires_at=record.expires,
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Revoke one of the caller's API tokens, at once"
    )
    async def revoke_api_token(self, info: Ctx, id: strawberry.ID) -> bool:
        token_id = api_tokens.token_id_of(str(id))
        await api_tokens.revoke_own(info.context.rbac, info.context.principal, token_id)
        return True

    create_organization: orgs.Organization = strawberry.mutation(
        resolver=orgs.create_organization,
        permission_classes=[HasScopes("orgs:write")],
        description="Create an organization; CONFLICT when one of that name (once normalised) exists",
    )
    set_membership: orgs.Member = strawberry.mutation(
        resolver=orgs.set_membership,
        permission_classes=[DecidedByUseCase("org_scopes", "members:assign")],
        description="Replace a user's roles in an organization ([] removes them): members:assign, globally "
        "or in the organization, and the scopes of every role given or taken away",
    )
    remove_membership: bool = strawberry.mutation(
        resolver=orgs.remove_membership,
        permission_classes=[DecidedByUseCase("org_scopes", "members:assign")],
        description="Take every role a user holds in an organization, under the rules of setMembership",
    )

    create_document: docs.Document = strawberry.mutation(
        resolver=docs.create_document,
        permission_classes=[DecidedByUseCase("object_scopes", "documents:write", resource="document")],
        description="documents:write on the new document: in its organization, globally, or by a rule",
    )
    update_document: docs.Document = strawberry.mutation(
        resolver=docs.update_document,
        permission_classes=[DecidedByUseCase("object_scopes", "documents:write", resource="document")],
        description="NOT_FOUND when the caller may not read it; FORBIDDEN when they may read, not change it",
    )
    delete_document: bool = strawberry.mutation(
        resolver=docs.delete_document,
        permission_classes=[DecidedByUseCase("object_scopes", "documents:write", resource="document")],
        description="As updateDocument",
    )


def build_schema() -> RbacSchema:
    return RbacSchema(query=Query, mutation=Mutation)


@functools.cache
def service_schema() -> RbacSchema:
    """The service's own schema, built once per process and shared by its apps: a schema holds no state of
    an app (each app has its own executor and document cache), and building one costs 10-20 ms."""
    return build_schema()


def export_sdl(schema: strawberry.Schema) -> str:
    """The SDL as committed in `schema.graphql`."""
    return str(schema).rstrip("\n") + "\n"
