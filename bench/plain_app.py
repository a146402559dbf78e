"""The outside baseline of row 11: a plain FastAPI app, nothing of rbac-api's per-request machinery.

Three routes, written the way FastAPI's tutorial writes them (`async def`, `response_model`, FastAPI's
default JSON: the returned value is validated against the model and serialized by FastAPI):

- `GET /users/me`: the same JSON, byte for byte, as the service's `GET /users/me` for the benchmark user
  (the runner checks it), with no authentication;
- `GET /health`: a body of the same shape as the service's `/health`;
- `GET /bench/bare`: the very endpoint the service gets through `create_app(settings, routers=[...])`
  (bench/apps.py), registered here directly.

Started by the runner in its own uvicorn process with the service's uvicorn settings.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from bench.apps import bare
from rbac_api.rest.schemas import UserOut

_CREATED = datetime(2026, 1, 1, tzinfo=UTC)


class Me(BaseModel):
    """The fields of the service's `UserOut`, in its order."""

    id: int
    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    roles: list[str]
    created_at: datetime
    updated_at: datetime
    service_account: bool


class Health(BaseModel):
    status: str
    pid: int
    database: str
    policy: dict[str, Any]


def app() -> FastAPI:
    """uvicorn --factory bench.plain_app:app (`BENCH_PLAIN_ME` is the JSON `/users/me` answers)."""
    me = Me.model_validate_json(os.environ["BENCH_PLAIN_ME"])
    policy = {"version": "0" * 12, "loaded_at": _CREATED.isoformat()}
    application = FastAPI()

    @application.get("/users/me", response_model=Me)
    async def read_me() -> Me:
        return Me(**me.__dict__)

    @application.get("/health", response_model=Health)
    async def health() -> Health:
        return Health(status="ok", pid=os.getpid(), database="ok", policy=policy)

    application.add_api_route("/bench/bare", bare, response_model=UserOut, include_in_schema=False)
    return application
