"""FastAPI dependencies: the bearer token becomes a `Principal` here, and `Security(..., scopes=[...])` is
enforced here, for this service's routes and for any app that imports them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

from rbac_api.core.errors import NotAuthenticated
from rbac_api.core.principal import Principal
from rbac_api.policy.targets import Check
from rbac_api.runtime import Rbac
from rbac_api.services.authentication import authorization_header

TOKEN_URL = "token"  # noqa: S105 (a route path)


async def get_rbac(request: Request) -> Rbac:
    """The service's runtime. `async` on purpose: FastAPI runs a plain `def` dependency in its threadpool,
    a thread hop on every request for one attribute read."""
    rbac: Rbac = request.app.state.rbac
    return rbac


class PrincipalDependency(OAuth2PasswordBearer):
    """`Security(current_principal, scopes=[...])`: authenticates, then enforces the scopes.

    FastAPI's `Security` only *collects* scopes (for `SecurityScopes` and OpenAPI); the check happens here,
    through the policy engine. Subclassing the OAuth2 scheme makes this one dependency also declare the
    security scheme in OpenAPI, instead of a second dependency run on every request.
    """

    def __init__(self, *, optional: bool) -> None:
        super().__init__(tokenUrl=TOKEN_URL, scheme_name="OAuth2", auto_error=not optional)
        self._optional = optional

    @property
    def optional(self) -> bool:
        """True when a request without a token passes as `Principal.anonymous()` (unless scopes are asked)."""
        return self._optional

    async def __call__(self, request: Request, security_scopes: SecurityScopes) -> Principal:  # type: ignore[override]
        rbac: Rbac = request.app.state.rbac
        principal = await rbac.authenticator.authenticate_header(authorization_header(request.headers))
        if not principal.is_authenticated:
            if self._optional and not security_scopes.scopes:
                return principal
            raise NotAuthenticated("Not authenticated: send 'Authorization: Bearer <token>' from POST /token")
        if security_scopes.scopes:
            required = frozenset(security_scopes.scopes)
            # The audit target is built only on denial: building it cost a URL parse per request.
            if not rbac.engine.check(principal, required):
                rbac.require(principal, required, target=_target(request))
        return principal


def _target(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


#: The authenticated caller; 401 without a valid token. Use as `Security(current_principal, scopes=[...])`.
current_principal = PrincipalDependency(optional=False)
#: The caller, or `Principal.anonymous()` when no token was sent (an invalid token is still a 401).
optional_principal = PrincipalDependency(optional=True)

RbacDep = Annotated[Rbac, Depends(get_rbac)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal, Depends(optional_principal)]


class DecidedByUseCase:
    """`Depends(DecidedByUseCase(check))`: a valid token here, and `check` made by the use case, the only
    one that knows the object the check depends on (the organization named in the path, say).

    Enforces nothing beyond the token: it declares the check, so that the policy tools (`policy test`,
    `explain`, `check --app`) see what the route demands. The use case must make exactly that check.
    """

    def __init__(self, check: Check) -> None:
        self.rbac_check = check

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        return principal
