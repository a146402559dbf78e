"""Roles, the policy in force, and health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response, Security
from fastapi.responses import JSONResponse

from rbac_api.core.errors import RETRY_AFTER_OUTAGE
from rbac_api.core.principal import Principal
from rbac_api.reload import PolicyReloader
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.health import HEALTH_BODY, JSON, HealthOut
from rbac_api.rest.schemas import PolicyOut, RoleOut
from rbac_api.rest.targets import public_route

router = APIRouter(tags=["policy"], route_class=GuardedRoute)

RolesReader = Annotated[Principal, Security(current_principal, scopes=["roles:read"])]
PolicyReader = Annotated[Principal, Security(current_principal, scopes=["policy:read"])]


@router.get("/roles", response_model=list[RoleOut], responses=AUTH_RESPONSES)
async def list_roles(rbac: RbacDep, _principal: RolesReader) -> list[RoleOut]:
    return [
        RoleOut(
            name=role.name,
            description=role.description,
            scopes=sorted(role.scopes),
            effective_scopes=sorted(role.effective_scopes),
            inherits=list(role.inherits),
        )
        for role in rbac.engine.policy.roles.values()
    ]


@router.get("/policy", response_model=PolicyOut, responses=AUTH_RESPONSES)
async def read_policy(rbac: RbacDep, _principal: PolicyReader) -> PolicyOut:
    policy = rbac.engine.policy
    return PolicyOut(
        version=policy.version,
        loaded_at=policy.loaded_at,
        files=list(policy.files),
        scopes={name: scope.description for name, scope in policy.scopes.items()},
        default_role=policy.default_role,
    )


@router.get(
    "/.well-known/jwks.json",
    openapi_extra=public_route("public keys for resource servers that verify our tokens (RFC 7517)"),
    summary="The public keys that verify access tokens (JWKS)",
)
async def jwks(rbac: RbacDep) -> JSONResponse:
    """Every key that verifies tokens now, the signing key first; empty with a shared HMAC secret, which
    is never published (resource servers then need the secret, or this service's own API)."""
    return JSONResponse(rbac.codec.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


async def get_reloader(request: Request) -> PolicyReloader:
    """`async` for the reason `get_rbac` is: a plain `def` would take a worker thread on every `/health`."""
    reloader: PolicyReloader = request.app.state.reloader
    return reloader


@router.get(
    "/health",
    openapi_extra=public_route("readiness probe; shows no user data"),
    response_model=HealthOut,
    responses={503: {"description": "The database is unavailable (`database: unavailable`)"}},
)
async def health(request: Request) -> Response:
    """Readiness, this process's pid, whether the database answers and the policy version it enforces.

    503 while the database does not answer (probed at most once a second, off the event loop);
    `degraded` then, and while the last policy change is rejected (the previous version stays in force,
    `error` says why).
    """
    # Load balancers call this all the time: no dependency to resolve, and the body is encoded again only
    # when what it reports changes (`HEALTH_BODY`).
    state = request.app.state
    database = await state.rbac.database.reachable()
    body = HEALTH_BODY.encode(state.reloader, database=database)
    if database:
        return Response(body, media_type=JSON)
    return Response(body, 503, {"Retry-After": str(RETRY_AFTER_OUTAGE)}, media_type=JSON)
