"""Shared fixtures: a real service on a real SQLite file per test, real bcrypt at low rounds, real tokens."""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from rbac_api import Settings, create_app
from rbac_api.graphql.schema import RbacSchema, build_schema
from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.databases import fresh_database_url
from tests.scheduling import long_files_first, make_scheduler

REPO = Path(__file__).resolve().parent.parent
POLICY_DIR = REPO / "policies"
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
ADMIN_PASSWORD = "admin-password-1"
PASSWORD = "correct horse battery"
#: A policy file adding a role that may hand out roles but holds few scopes itself.
MANAGER_ROLE = """
roles:
  role-manager:
    description: Hands out roles, but holds only a few scopes itself
    scopes: [roles:assign, roles:read, documents:read]
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    long_files_first(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what collection imported (FastAPI, pydantic, SQLAlchemy, Strawberry, hypothesis, the service and
    the test modules: about 200,000 objects) out of every later garbage collection. Each test builds apps and
    leaves garbage; the full collections that follow walked that whole heap every time, about a quarter of
    the CPU of a test that builds an app. Objects made by tests are collected as usual."""
    gc.collect()
    gc.freeze()


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return make_scheduler(config, log) if config.getoption("dist") == "loadfile" else None


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": fresh_database_url(tmp_path) if "database_url" not in overrides else None,
        "secret_key": SECRET,
        "bcrypt_rounds": 4,
        "policy_dir": POLICY_DIR,
        "admin_password": ADMIN_PASSWORD,
        "secret_file": tmp_path / "dev-secret",
        # Tests log in and fail on purpose many times from one address; tests/auth/test_throttling.py sets
        # the real limits.
        "login_max_failures": 10_000,
        "login_max_failures_per_address": 10_000,
        "signup_max_per_address": 10_000,
        # In-process apps would write an access line per request into the output of every test:
        # tests/transport/test_access_log.py turns it on (real servers have it on; their output is a file).
        "access_log": False,
        # No in-process test edits a watched policy directory (tests/reload does, on real servers); a watch
        # costs each app 20 ms at shutdown, waiting for its thread to see the stop.
        "policy_watch": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def graphql_schema() -> RbacSchema:
    """The service's own schema (`build_schema`), built once per test process: it holds no state of an
    app (each app has its own executor and document cache), and building it costs 10-20 ms an app."""
    return build_schema()


@pytest.fixture
def client(settings: Settings, graphql_schema: RbacSchema) -> Iterator[TestClient]:
    with TestClient(create_app(settings, graphql_schema=graphql_schema)) as test_client:
        yield test_client


@pytest.fixture
def rbac(client: TestClient) -> Rbac:
    runtime: Rbac = client.app.state.rbac  # type: ignore[attr-defined]
    return runtime


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, username: str, password: str, scope: str | None = None) -> str:
    form = {"grant_type": "password", "username": username, "password": password}
    if scope is not None:
        form["scope"] = scope
    response = client.post("/token", data=form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def make_user(rbac: Rbac) -> Callable[..., int]:
    """Create a user straight in the store (no HTTP), returning its id."""

    def make(username: str, *roles: str, password: str = PASSWORD, disabled: bool = False) -> int:
        record = rbac.users.create(
            username=username,
            password_hash=rbac.hasher.hash_sync(password),
            email=f"{username}@example.org",
            full_name=username.title(),
            roles=roles,
        )
        if disabled:
            rbac.users.update(user_id=record.id, disabled=True, rules=ChangeRules())
        return record.id

    return make


@pytest.fixture
def user_token(client: TestClient, make_user: Callable[..., int]) -> Callable[..., str]:
    """A token for a fresh user holding `roles`."""

    def token(username: str, *roles: str, scope: str | None = None) -> str:
        make_user(username, *roles)
        return login(client, username, PASSWORD, scope)

    return token


@pytest.fixture
def admin_token(client: TestClient) -> str:
    return login(client, "admin", ADMIN_PASSWORD)


@pytest.fixture
def auditor_token(user_token: Callable[..., str]) -> str:
    return user_token("audrey", "auditor")


@pytest.fixture
def plain_token(user_token: Callable[..., str]) -> str:
    return user_token("paula", "user")


@pytest.fixture
def make_token(rbac: Rbac) -> Callable[..., str]:
    """Sign arbitrary claims, for the claim-by-claim rejection tests. `None` values drop the claim."""

    def make(
        *, key: str = SECRET, algorithm: str = "HS256", headers: dict[str, Any] | None = None, **claims: Any
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": rbac.settings.issuer,
            "aud": rbac.settings.audience,
            "sub": "1",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "sid": "test-session",
            "scope": "profile:read",
            "roles": ["admin"],
            "ver": 0,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        head = {"typ": "at+jwt", **(headers or {})}
        return jwt.encode(payload, key, algorithm=algorithm, headers=head)

    return make
