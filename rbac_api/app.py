"""The app factory: everything is built from the `Settings` passed in, once, and kept on `app.state.rbac`."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from functools import partial
from typing import Any

import anyio
import strawberry
from fastapi import APIRouter, FastAPI

from rbac_api.core.audit import DenialRing
from rbac_api.core.errors import Unavailable
from rbac_api.core.passwords import PasswordHasher
from rbac_api.core.tokens import TokenCodec
from rbac_api.graphql.execution import Executor
from rbac_api.graphql.fast_path import install_fast_path
from rbac_api.graphql.limits import Limits
from rbac_api.graphql.router import RbacGraphQLRouter
from rbac_api.graphql.schema import service_schema
from rbac_api.guarded import app_targets, verify_app
from rbac_api.pages.routes import page_routers
from rbac_api.pidfiles import registered
from rbac_api.policy import PolicyEngine, load_policy
from rbac_api.reload import PolicyReloader, reloading
from rbac_api.rest import (
    api_tokens,
    console_api,
    documents,
    organizations,
    sessions,
    system,
    token,
    user_access,
    users,
)
from rbac_api.rest.errors import TRANSPORT_RESPONSES, install_error_handlers
from rbac_api.runtime import Rbac
from rbac_api.services.authentication import Authenticator, UserStateCache
from rbac_api.services.bootstrap import ensure_first_admin
from rbac_api.services.database_probe import DatabaseProbe
from rbac_api.services.housekeeping import keep_tidy
from rbac_api.services.loading_cache import LoadingCache
from rbac_api.services.revocations import RevocationList
from rbac_api.services.throttle import Throttle
from rbac_api.settings import DEFAULT_MAX_BODY_BYTES, ConfigError, Settings
from rbac_api.store.api_tokens import ApiTokenRecord, ApiTokenStore
from rbac_api.store.database import make_engine, ping
from rbac_api.store.documents import DocumentStore
from rbac_api.store.organizations import OrganizationStore
from rbac_api.store.outages import unreachable
from rbac_api.store.schema import SchemaOutOfDate, ensure_schema
from rbac_api.store.service_clients import ServiceClientStore
from rbac_api.store.sessions import SessionStore
from rbac_api.store.throttle import RateEventStore
from rbac_api.store.users import UserStore
from rbac_api.transport.access_log import AccessLog, take_over_access_log
from rbac_api.transport.body_limit import BodyLimit
from rbac_api.transport.refusals import GRAPHQL_PATH
from rbac_api.transport.route_index import install_route_index
from rbac_api.transport.shared_routes import share_included_routes
from rbac_api.transport.telemetry import fastapi_options, instrument, require_instrumentation

log = logging.getLogger("rbac_api.startup")

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_runtime(settings: Settings) -> Rbac:
    """The security core without any web framework: also used by the CLI."""
    engine = PolicyEngine(load_policy(settings.policy_dir))
    db = make_engine(
        settings.database_url, pool_size=settings.db_pool_size, timeout=settings.db_timeout_seconds
    )
    try:
        ensure_schema(db)
    except SchemaOutOfDate as exc:
        raise ConfigError(str(exc)) from None
    except Unavailable as exc:
        raise ConfigError(unreachable(exc, settings.database_url)) from None
    user_store, sessions = UserStore(db), SessionStore(db)
    codec = TokenCodec(
        keys=settings.key_set(),
        issuer=settings.issuer,
        audience=settings.audience,
        lifetime_seconds=settings.access_token_minutes * 60,
        leeway=settings.leeway_seconds,
    )
    states = UserStateCache(user_store.state, ttl=settings.user_cache_seconds)
    api_tokens = ApiTokenStore(db)
    api_token_cache: LoadingCache[str, ApiTokenRecord | None] = LoadingCache(
        lambda digest: api_tokens.lookup(digest, now=time.time()),
        ttl=settings.user_cache_seconds,
        max_entries=settings.token_cache_size,
    )
    revocations = RevocationList(
        sessions.revoked_since, bound=settings.user_cache_seconds, horizon=codec.lifetime + codec.leeway
    )
    return Rbac(
        settings=settings,
        db=db,
        codec=codec,
        engine=engine,
        hasher=PasswordHasher(settings.bcrypt_rounds),
        users=user_store,
        documents=DocumentStore(db),
        organizations=OrganizationStore(db),
        user_states=states,
        authenticator=Authenticator(
            codec=codec,
            engine=engine,
            users=states,
            revocations=revocations,
            cache_size=settings.token_cache_size,
            api_tokens=api_token_cache,
        ),
        sessions=sessions,
        revocations=revocations,
        throttle=Throttle(RateEventStore(db), settings),
        api_tokens=api_tokens,
        api_token_cache=api_token_cache,
        clients=ServiceClientStore(db),
        database=DatabaseProbe(partial(ping, db)),
        denials=DenialRing(),
    )


def create_app(
    settings: Settings, *, routers: Iterable[APIRouter] = (), graphql_schema: strawberry.Schema | None = None
) -> FastAPI:
    """Build the service. `routers` are an application's own routes, protected with the same dependencies;
    `graphql_schema` replaces the service's own schema at `/graphql` (build it with `RbacSchema`).

    Raises `ConfigError` (one line naming the fix), `PolicyError` (every problem as `file:line: message`)
    or `AppCheckError` (unguarded routes or fields, scopes the policy lacks) instead of starting.
    """
    if settings.opentelemetry:
        require_instrumentation()
    rbac = build_runtime(settings)
    take_over_access_log()
    app = assemble_app(
        routers,
        production=settings.env == "production",
        lifespan=_lifespan(settings),
        max_body_bytes=settings.max_body_bytes,
        graphql_ide=settings.dev_default(settings.graphql_ide),
        console=settings.console,
        opentelemetry=settings.opentelemetry,
    )
    schema = graphql_schema if graphql_schema is not None else service_schema()
    app.state.graphql_schema = schema
    router = graphql_router(schema, settings)
    app.state.graphql_executor = router.executor
    install_fast_path(router)
    app.include_router(router, prefix=GRAPHQL_PATH)
    if settings.access_log:
        app.add_middleware(AccessLog)  # outermost: refusals by the body limit are logged too
    if settings.opentelemetry:
        instrument(app)
    targets = app_targets(app)
    for warning in verify_app(targets, rbac.engine.policy):
        log.warning("%s", warning)
    first_admin = ensure_first_admin(rbac)
    if first_admin is not None and first_admin.generated_password is not None:
        # Printed, not logged: log pipelines keep what they see.
        print(
            f"rbac-api: created user {first_admin.username!r} with one-time password "
            f"{first_admin.generated_password}  (shown once; change it with `rbac-api users set-password "
            f"{first_admin.username}`)",
            file=sys.stderr,
        )
    app.state.rbac = rbac
    app.state.reloader = PolicyReloader(rbac.engine, settings.policy_dir, targets)
    _publish_policy_in_openapi(app, rbac)
    return app


def assemble_app(
    routers: Iterable[APIRouter] = (),
    *,
    production: bool = False,
    lifespan: Lifespan | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    graphql_ide: bool = False,
    console: bool = True,
    opentelemetry: bool = False,
) -> FastAPI:
    """The service's routes, error handling and body limit, without the runtime: what the start-up checks
    walk. The limit is middleware, so it covers every route, an application's own included. `/docs` (in
    development), the files of GraphiQL and the policy console (`console`) come from `rbac_api.pages`, not
    from FastAPI's CDN pages."""
    app = FastAPI(
        title="rbac-api",
        version="0.1.0",
        description="Role- and scope-based authorization service",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        **fastapi_options(enabled=opentelemetry),
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    pages = page_routers(docs_page=not production, graphql_ide=graphql_ide, console_page=console)
    for router in (
        token.router,
        sessions.router,
        # Routes are matched in order: the busiest (`/users/me`, `/health`) before the rarely called ones.
        users.router,
        system.router,
        console_api.router,
        documents.router,
        organizations.router,
        api_tokens.router,
        user_access.router,
        *pages,
        *routers,
    ):
        app.include_router(router, responses=TRANSPORT_RESPONSES)
    share_included_routes(app)  # analysed once per process, not once per app
    install_route_index(app)  # the last route costs what the first does (docs/benchmarks.md, row 11)
    return app


def _lifespan(settings: Settings) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reloader: PolicyReloader = app.state.reloader
        # The SIGHUP handler is in place before the pid is registered: SIGHUP's default action is to exit.
        async with reloading(reloader, watch=settings.policy_watch), anyio.create_task_group() as tasks:
            stop = anyio.Event()
            tasks.start_soon(keep_tidy, app.state.rbac, stop)
            try:
                with ExitStack() as stack:
                    if settings.pid_dir is not None:
                        stack.enter_context(registered(settings.pid_dir, settings.policy_dir))
                    yield
            finally:
                stop.set()
                app.state.rbac.db.dispose()

    return lifespan


def graphql_router(schema: strawberry.Schema, settings: Settings) -> RbacGraphQLRouter:
    limits = Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_query_length=settings.graphql_max_query_length,
        max_complexity=settings.graphql_max_complexity,
        introspection=settings.dev_default(settings.graphql_introspection),
        suggestions=settings.dev_default(settings.graphql_suggestions),
    )
    return RbacGraphQLRouter(
        Executor(schema, limits, cache_bytes=settings.graphql_cache_bytes),
        allow_get=settings.graphql_allow_get,
        ide=settings.dev_default(settings.graphql_ide),
    )


def _publish_policy_in_openapi(app: FastAPI, rbac: Rbac) -> None:
    """The policy in force, in the document: the OAuth2 scheme's scopes and descriptions from its
    catalogue, its roles as the names a new user's, a service account's or a member's `roles` may hold,
    and its scopes as those an API token may be given."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        policy = rbac.engine.policy
        schemes = document.get("components", {}).get("securitySchemes", {})
        for scheme in schemes.values():
            flow = scheme.get("flows", {}).get("password")
            if flow is not None:
                flow["scopes"] = {n: s.description for n, s in policy.scopes.items()}
        schemas = document.get("components", {}).get("schemas", {})
        new_user = schemas.get("UserCreate")
        if new_user is not None:
            new_user["properties"]["roles"]["anyOf"][0]["items"]["enum"] = sorted(policy.roles)
        service_account = schemas.get("ServiceAccountCreate")
        if service_account is not None:
            service_account["properties"]["roles"]["items"]["enum"] = sorted(policy.roles)
        membership = schemas.get("MembershipSet")
        if membership is not None:
            membership["properties"]["roles"]["items"]["enum"] = sorted(policy.roles)
        api_token = schemas.get("ApiTokenCreate")
        if api_token is not None:
            api_token["properties"]["scopes"]["items"]["enum"] = sorted(policy.scopes)
            api_token["properties"]["expires_in_days"]["maximum"] = rbac.settings.api_token_max_days
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """`create_app` with settings from `RBAC_*` variables: the factory each worker process calls."""
    return create_app(Settings())
