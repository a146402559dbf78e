"""The JSON (and SVG) behind the policy console, each route needing `policy:read`: the inheritance graph,
the matrix, an explained question, the change the files on disk would make, and the recent denials.

Every answer comes from the policy tools of the command line (`explain`, `matrix`, `diff`) run on the
policy in force, so the console and `rbac-api policy ...` cannot disagree.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Response, Security

from rbac_api.core.audit import DENIALS_KEPT
from rbac_api.core.principal import Principal
from rbac_api.core.text import NO_NUL_PATTERN
from rbac_api.policy import matrix
from rbac_api.policy.graph import role_graph_svg
from rbac_api.reload import PolicyReloader
from rbac_api.rest.console_schemas import (
    DenialOut,
    DenialsOut,
    ExplainOut,
    MatrixOut,
    MatrixRowOut,
    PendingOut,
)
from rbac_api.rest.deps import RbacDep, current_principal
from rbac_api.rest.errors import AUTH_RESPONSES
from rbac_api.rest.guarded_route import GuardedRoute
from rbac_api.rest.system import get_reloader
from rbac_api.services.pending import pending_change
from rbac_api.services.questions import ask

router = APIRouter(tags=["console"], responses=AUTH_RESPONSES, route_class=GuardedRoute)

PolicyReader = Annotated[Principal, Security(current_principal, scopes=["policy:read"])]
Reloader = Annotated[PolicyReloader, Depends(get_reloader)]
Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)]
SVG: dict[int | str, dict[str, Any]] = {
    200: {"description": "An SVG document", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}
}


@router.get("/policy/graph.svg", response_class=Response, responses=SVG)
async def role_graph(rbac: RbacDep, _principal: PolicyReader) -> Response:
    """The role inheritance graph of the policy in force: roles as boxes with their grants (`file:line`)
    and inherited scopes, `inherits` as arrows; each role's own and effective scopes in its tooltip."""
    drawing = await anyio.to_thread.run_sync(role_graph_svg, rbac.engine.policy)
    return Response(drawing, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/policy/matrix", response_model=MatrixOut)
async def policy_matrix(
    rbac: RbacDep,
    _principal: PolicyReader,
    prefix: Annotated[str, Query(max_length=200, pattern=NO_NUL_PATTERN)] = "",
) -> MatrixOut:
    """Roles x scopes (`rbac-api policy matrix`), each cell saying how the scope is granted: by the role
    itself or inherited, and through which grants (role, wildcard, `file:line`). `prefix` keeps the scopes
    starting with it, such as `documents`."""
    policy = rbac.engine.policy
    found = await anyio.to_thread.run_sync(matrix.rows, policy, prefix)
    return MatrixOut(
        version=policy.version,
        prefix=prefix,
        roles=list(policy.roles),
        rows=[MatrixRowOut.of(r) for r in found],
    )


@router.get(
    "/policy/explain",
    response_model=ExplainOut,
    responses={
        404: {"description": "No such user, or no such object"},
        422: {"description": "A parameter is missing or malformed"},
    },
)
async def explain(
    rbac: RbacDep,
    _principal: PolicyReader,
    user: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)],
    scope: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL_PATTERN)],
    resource: Annotated[
        str | None, Query(pattern=r"^document:[0-9]{1,19}$", description="TYPE:ID, such as document:42")
    ] = None,
) -> ExplainOut:
    """May `user` use `scope` (on `resource`)? Allow or deny with the reasons, in the lines `rbac-api
    policy explain --user U --scope S [--resource R]` prints, under the policy in force."""
    question = partial(
        ask, rbac.engine, rbac.users, rbac.documents, user=user, scope=scope, resource=resource
    )
    answer = await anyio.to_thread.run_sync(question)
    return ExplainOut(allowed=answer.allowed, lines=list(answer.lines))


@router.get("/policy/pending", response_model=PendingOut)
async def pending(reloader: Reloader, _principal: PolicyReader) -> PendingOut:
    """What the policy files on disk would change against the policy in force (`rbac-api policy diff`),
    or why they would be rejected (`file:line: message`); and the last change the service rejected."""
    return PendingOut.of(await anyio.to_thread.run_sync(pending_change, reloader))


@router.get("/audit/denials", response_model=DenialsOut)
async def recent_denials(
    rbac: RbacDep,
    _principal: PolicyReader,
    limit: Annotated[int, Query(ge=1, le=DENIALS_KEPT)] = 100,
    user: Filter = None,
    scope: Filter = None,
    route: Filter = None,
) -> DenialsOut:
    """The most recent denials of the process that answers, newest first: who, which route or field,
    which scopes were missing. Each filter matches a part of the user name, of a scope asked for, or of
    the route or field (case-insensitive)."""
    found = rbac.denials.recent(limit, user=user, scope=scope, route=route)
    return DenialsOut(items=[DenialOut.of(d) for d in found], kept=rbac.denials.size)
