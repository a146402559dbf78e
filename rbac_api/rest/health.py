"""The body of `GET /health`, encoded once for each state it reports."""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from rbac_api.policy import Policy
from rbac_api.reload import PolicyReloader

JSON = "application/json"


class PolicyState(BaseModel):
    version: str
    loaded_at: datetime
    #: Why the last policy change was rejected (the previous version stays in force).
    error: str | None = None


class HealthOut(BaseModel):
    """The answer of `GET /health`, declared for the OpenAPI document (`HealthBody` writes it)."""

    status: Literal["ok", "degraded"]
    pid: int
    database: Literal["ok", "unavailable"]
    policy: PolicyState


class HealthBody:
    """The encoded body for the last state seen: the policy in force, the reloader's error and whether the
    database answers. A probe asks several times a second and the state changes seldom, so a request
    mostly costs three identity checks; a change of any of them encodes the body again."""

    __slots__ = ("_body", "_database", "_error", "_policy")

    def __init__(self) -> None:
        self._policy: Policy | None = None
        self._error: str | None = None
        self._database = False
        self._body = b""

    def encode(self, reloader: PolicyReloader, *, database: bool) -> bytes:
        policy, error = reloader.engine.policy, reloader.error
        if policy is not self._policy or error is not self._error or database is not self._database:
            self._body = _encode(_answer(policy, error, database))
            self._policy, self._error, self._database = policy, error, database
        return self._body


def _answer(policy: Policy, error: str | None, database: bool) -> dict[str, Any]:
    state: dict[str, Any] = {"version": policy.version, "loaded_at": policy.loaded_at.isoformat()}
    if error is not None:
        state["error"] = error
    return {
        "status": "ok" if database and error is None else "degraded",
        "pid": os.getpid(),
        "database": "ok" if database else "unavailable",
        "policy": state,
    }


def _encode(answer: dict[str, Any]) -> bytes:
    """As FastAPI's `JSONResponse` encodes (compact, UTF-8, no NaN)."""
    return json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


#: One per process: the pid is the process's, and every other input is compared on each call.
HEALTH_BODY = HealthBody()
