"""Strawberry permission classes for any field, deciding through the same policy engine as REST.

Use them as usual: `@strawberry.field(permission_classes=[HasScopes("users:read")])`. Under an
`RbacSchema` the stock permission extension is replaced, when the schema is built, by a resolver wrapper
that decides once per request (see `guards.py`); under a plain `strawberry.Schema` they still work,
through Strawberry's own extension, only slower.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import cache
from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE, NotAuthenticated, PermissionDenied, RbacError
from rbac_api.graphql.context import GraphQLContext
from rbac_api.policy.targets import CheckKind

LOGIN_HINT = "Not authenticated: log in (mutation login) and send 'Authorization: Bearer <token>'"


class RbacPermission(BasePermission):
    """Base of our permission classes: a pure `decide`, and the Strawberry hook that calls it.

    `has_permission` is synchronous and returns a plain bool or raises, never an awaitable: a sync
    check returning an awaitable is the bug class behind a published Strawberry permission bypass.
    """

    #: Scopes the policy check asks for (for explain, start-up checks and the denial message).
    required_scopes: ClassVar[frozenset[str]] = frozenset()
    #: True for `AllowAny`: the field is public on purpose, and the check is skipped entirely.
    is_public: ClassVar[bool] = False
    #: True when the decision depends on the field's object (`IsSelfOr`), so it cannot be cached per request.
    depends_on_source: ClassVar[bool] = False
    #: How the policy tools (explain, policy tests, diff) read this check; see `rbac_api.policy.targets`.
    #: None: "scopes" when `required_scopes` is set, else "token".
    check_kind: ClassVar[CheckKind | None] = None

    @abstractmethod
    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        """None to allow, or the error to report."""

    def describe(self) -> str:
        return type(self).__name__

    def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
        error = self.decide(info.context, source)
        if error is not None:
            raise error
        return True


def _require_login(context: GraphQLContext) -> RbacError | None:
    if context.auth_error is not None:
        return NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
    if not context.principal.is_authenticated:
        return NotAuthenticated(LOGIN_HINT)
    return None


def _require_scopes(context: GraphQLContext, required: frozenset[str]) -> RbacError | None:
    decision = context.rbac.engine.check(context.principal, required)
    return None if decision.allowed else PermissionDenied(required, decision.missing)


class AllowAny(RbacPermission):
    """Marks a field public on purpose (login, sign-up, `can`). Start-up refuses fields with no marker."""

    is_public = True

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        return None


class IsAuthenticated(RbacPermission):
    """Any valid token."""

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        return _require_login(context)


class _HasScopes(RbacPermission):
    check_kind = "scopes"

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        return _require_login(context) or _require_scopes(context, self.required_scopes)

    def describe(self) -> str:
        return f"HasScopes({', '.join(sorted(self.required_scopes))})"


class _HasAnyScope(RbacPermission):
    check_kind = "any_scope"

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        refused = _require_login(context)
        if refused is not None:
            return refused
        decision = context.rbac.engine.check_any(context.principal, self.required_scopes)
        if decision.allowed:
            return None
        names = ", ".join(sorted(self.required_scopes))
        return PermissionDenied(
            self.required_scopes, decision.missing, f"Requires one of the scopes: {names}"
        )

    def describe(self) -> str:
        return f"HasAnyScope({', '.join(sorted(self.required_scopes))})"


class _HasRole(RbacPermission):
    check_kind = "any_role"
    roles: ClassVar[frozenset[str]] = frozenset()

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        refused = _require_login(context)
        if refused is not None:
            return refused
        if not context.rbac.engine.check_role(context.principal, self.roles):
            names = ", ".join(sorted(self.roles))
            return PermissionDenied(frozenset(), frozenset(), f"Requires one of the roles: {names}")
        return None

    def describe(self) -> str:
        return f"HasRole({', '.join(sorted(self.roles))})"


class _IsSelfOr(RbacPermission):
    check_kind = "self_or_scopes"
    depends_on_source = True
    owner_attribute: ClassVar[str] = "id"

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        refused = _require_login(context)
        if refused is not None:
            return refused
        if str(getattr(source, self.owner_attribute, "")) == context.principal.subject:
            return None
        return _require_scopes(context, self.required_scopes)

    def describe(self) -> str:
        return f"IsSelfOr({', '.join(sorted(self.required_scopes))})"


class _IsMemberOr(RbacPermission):
    check_kind = "member_or_scopes"
    depends_on_source = True
    organization_attribute: ClassVar[str] = "name"

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        refused = _require_login(context)
        if refused is not None:
            return refused
        if getattr(source, self.organization_attribute, None) in context.principal.memberships:
            return None
        return _require_scopes(context, self.required_scopes)

    def describe(self) -> str:
        return f"IsMemberOr({', '.join(sorted(self.required_scopes))})"


class _HasScopesOn(RbacPermission):
    depends_on_source = True
    check_kind = "object_scopes"
    resource: ClassVar[str] = ""

    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        error = _require_login(context)
        if error is not None:
            return error
        resource = self.resource or getattr(source, "rbac_resource", "")
        attributes = source.rbac_attributes() if hasattr(source, "rbac_attributes") else vars(source)
        engine, principal = context.rbac.engine, context.principal
        missing = frozenset(
            s for s in self.required_scopes if not engine.decide_on(principal, s, resource, attributes)
        )
        return PermissionDenied(self.required_scopes, missing) if missing else None

    def describe(self) -> str:
        return f"HasScopesOn({', '.join(sorted(self.required_scopes))})"


class _DecidedByUseCase(RbacPermission):
    def decide(self, context: GraphQLContext, source: Any) -> RbacError | None:
        return _require_login(context)

    def describe(self) -> str:
        return f"DecidedByUseCase({self.check_kind}: {', '.join(sorted(self.required_scopes))})"


# Strawberry instantiates permission classes without arguments, so each factory returns a class. Cached:
# the same arguments give the same class, which keeps schema directives and comparisons stable.
@cache
def HasScopes(*scopes: str) -> type[RbacPermission]:
    """All of `scopes`."""
    return _subclass(_HasScopes, "HasScopes", scopes, required_scopes=frozenset(scopes))


@cache
def HasAnyScope(*scopes: str) -> type[RbacPermission]:
    """At least one of `scopes`."""
    return _subclass(_HasAnyScope, "HasAnyScope", scopes, required_scopes=frozenset(scopes))


@cache
def HasRole(*roles: str) -> type[RbacPermission]:
    """At least one of `roles` (prefer scopes: roles are how a policy groups them)."""
    return _subclass(_HasRole, "HasRole", roles, roles=frozenset(roles))


@cache
def IsSelfOr(*scopes: str, owner: str = "id") -> type[RbacPermission]:
    """The field's object is the caller (its `owner` attribute equals the token subject), or all `scopes`."""
    return _subclass(_IsSelfOr, "IsSelfOr", scopes, required_scopes=frozenset(scopes), owner_attribute=owner)


@cache
def IsMemberOr(*scopes: str, organization: str = "name") -> type[RbacPermission]:
    """The caller is a member of the organization the field's object names (its `organization` attribute),
    or holds all `scopes` globally."""
    return _subclass(
        _IsMemberOr,
        "IsMemberOr",
        scopes,
        required_scopes=frozenset(scopes),
        organization_attribute=organization,
    )


@cache
def HasScopesOn(*scopes: str, resource: str = "") -> type[RbacPermission]:
    """All of `scopes` on the field's object, as the engine decides on objects: a global grant, a role held
    in the object's organization, or an object rule.

    The object (the field's parent) gives its attributes with `rbac_attributes()` (else its `__dict__`);
    `resource` names its policy resource type, or the object says it with an `rbac_resource` attribute.
    """
    return _subclass(
        _HasScopesOn, "HasScopesOn", scopes, required_scopes=frozenset(scopes), resource=resource
    )


@cache
def DecidedByUseCase(kind: CheckKind, *scopes: str, resource: str = "") -> type[RbacPermission]:
    """A valid token here; the check `kind` on `scopes` is made by the use case the resolver calls, the only
    one that knows the object it depends on (an organization given as an argument, say).

    Enforces nothing beyond the token: it declares the check for the policy tools, as REST's
    `rbac_api.rest.deps.DecidedByUseCase` does. The use case must make exactly that check.
    """
    return _subclass(
        _DecidedByUseCase,
        "DecidedByUseCase",
        scopes,
        required_scopes=frozenset(scopes),
        check_kind=kind,
        resource=resource,
    )


def _subclass(
    base: type[RbacPermission], name: str, args: tuple[str, ...], **attrs: Any
) -> type[RbacPermission]:
    if not args:
        raise ValueError(f"{name}() needs at least one name")
    label = "".join(part.title() for part in "_".join(args).replace(":", "_").replace("-", "_").split("_"))
    return type(f"{name}{label}", (base,), attrs)
