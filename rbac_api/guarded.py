"""Fail closed: every REST route and GraphQL field is guarded, or marked public in code with a reason.

Strawberry leaves fields open by default and a forgotten `Security(...)` leaves a route open; here the
default is the other way round. `create_app` walks the app once at start-up and refuses to start on any
route or root field that is neither guarded nor marked public, or that names a scope the policy lacks.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from rbac_api.graphql.targets import schema_targets
from rbac_api.policy.model import Policy
from rbac_api.policy.problems import AppCheckError, Problem, has_errors
from rbac_api.policy.targets import Target
from rbac_api.policy.usage import unguarded_problems, usage_problems
from rbac_api.rest.targets import public_route, route_targets

__all__ = ["AppCheckError", "app_targets", "check_app", "public_route", "service_targets", "verify_app"]


def app_targets(app: FastAPI) -> list[Target]:
    """Every route of `app` and every field of its GraphQL schema (`app.state.graphql_schema`)."""
    schema = getattr(app.state, "graphql_schema", None)
    return route_targets(app) + (schema_targets(schema) if schema is not None else [])


def service_targets() -> list[Target]:
    """The service's own routes and fields, as `create_app` builds them, without a database or settings."""
    from rbac_api.app import assemble_app
    from rbac_api.graphql.schema import service_schema

    app = assemble_app()
    app.state.graphql_schema = service_schema()
    return app_targets(app)


def check_app(targets: Sequence[Target], policy: Policy) -> list[Problem]:
    """Every unguarded target and every mismatch between the code's scopes and roles and the policy."""
    return [*unguarded_problems(targets), *usage_problems(targets, policy)]


def verify_app(targets: Sequence[Target], policy: Policy) -> list[Problem]:
    """`check_app`, raising `AppCheckError` on any error; the warnings are returned."""
    problems = check_app(targets, policy)
    if has_errors(problems):
        raise AppCheckError([p for p in problems if p.severity == "error"])
    return problems
