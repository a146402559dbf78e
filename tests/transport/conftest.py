"""An application's own routes beside the service's, on an app with a small body limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient

from rbac_api import CurrentPrincipal, create_app, public_route
from tests.conftest import make_settings
from tests.servers import Server, start_server, stop_server

#: The body limit of `app_client`, small enough to pass in a test.
LIMIT = 1000

router = APIRouter()


@router.post("/echo", openapi_extra=public_route("counts the bytes it is sent, for the body-limit tests"))
async def echo(request: Request) -> dict[str, int]:
    return {"received": len(await request.body())}


@router.get("/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, str]:
    return {"username": principal.username}


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    """The service with the application's routes, its body limit set to `LIMIT` bytes."""
    app = create_app(make_settings(tmp_path, max_body_bytes=LIMIT), routers=[router])
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `rbac-api serve` process with the body limit at `LIMIT` bytes."""
    running = start_server(tmp_path_factory.mktemp("server"), RBAC_MAX_BODY_BYTES=str(LIMIT))
    yield running
    stop_server(running)
