"""The ASGI apps the HTTP rows serve, built from `RBAC_*` variables inside the uvicorn process.

`service` is the real service (`create_app`) plus a bench router appended after the service's own routes:
a bare JSON route answered through the same response path as `GET /users/me`, and a switch that churns
the policy (row 7).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

import anyio
from fastapi import APIRouter, FastAPI, Request

from bench import gql_schemas
from rbac_api.app import create_app
from rbac_api.guarded import public_route
from rbac_api.policy import Policy, load_policy
from rbac_api.rest.responses import ModelResponse
from rbac_api.rest.schemas import UserOut
from rbac_api.runtime import Rbac
from rbac_api.settings import Settings
from rbac_api.store.users import UserRecord

router = APIRouter(prefix="/bench", include_in_schema=False)

_RECORD = UserRecord(
    id=2,
    username="bench",
    email="bench@example.org",
    full_name="Bench Mark",
    disabled=False,
    roles=("auditor", "reader", "user"),
    token_version=0,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
    updated_at=datetime(2026, 1, 1, tzinfo=UTC),
)


@router.get("/bare", response_model=UserOut, openapi_extra=public_route("benchmark baseline"))
async def bare() -> ModelResponse:
    """No authentication: the same body shape and response path (`ModelResponse`) as `GET /users/me`."""
    return ModelResponse(UserOut.of(_RECORD))


class _Churn:
    """Swaps the policy in force again and again (row 7). Full reloads are the service's own: its file
    watcher reloads when the runner edits the policy files."""

    def __init__(self) -> None:
        self.mode: str = "off"
        self.swaps = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self, rbac: Rbac, mode: str) -> None:
        self.stop()
        self.mode, self.swaps = mode, 0
        if mode == "swap":
            # Compiled before the answer (in a thread), so the timed phase only swaps.
            other = await anyio.to_thread.run_sync(load_policy, rbac.settings.policy_dir)
            self._task = asyncio.get_running_loop().create_task(self._swap(rbac, other))

    def stop(self) -> None:
        self.mode = "off"
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _swap(self, rbac: Rbac, other: Policy) -> None:
        """Alternate two compiled copies of the policy every 10 ms: the pure cost of `PolicyEngine.swap`
        (and of every cached principal being rebuilt under the new policy object)."""
        policies = [rbac.engine.policy, other]
        while True:
            await asyncio.sleep(0.01)
            rbac.engine.swap(policies[self.swaps % 2])
            self.swaps += 1


_churn = _Churn()


@router.post("/churn/{mode}", openapi_extra=public_route("benchmark control"))
async def churn(request: Request, mode: Literal["off", "swap"]) -> dict[str, int | str]:
    swaps = _churn.swaps
    await _churn.start(request.app.state.rbac, mode)
    return {"mode": mode, "previous_swaps": swaps}


def service() -> FastAPI:
    """uvicorn --factory bench.apps:service"""
    return create_app(Settings(), routers=[router])


first_router = APIRouter(prefix="/bench", include_in_schema=False)
first_router.add_api_route(
    "/first", bare, response_model=UserOut, openapi_extra=public_route("benchmark baseline, first route")
)


def service_with_first_route() -> FastAPI:
    """`service`, plus the bare route again as `/bench/first`, in a router of its own moved to the front of
    the route table (row 11 compares a route's cost at both ends of the table)."""
    app = service()
    app.include_router(first_router)
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def graphql_guarded() -> FastAPI:
    return create_app(Settings(), routers=[router], graphql_schema=gql_schemas.guarded())


def graphql_stock() -> FastAPI:
    return create_app(Settings(), routers=[router], graphql_schema=gql_schemas.stock())


def graphql_unguarded() -> FastAPI:
    return create_app(Settings(), routers=[router], graphql_schema=gql_schemas.unguarded())
