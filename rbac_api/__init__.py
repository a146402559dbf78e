"""rbac-api: role- and scope-based authorization for FastAPI and Strawberry GraphQL.

What an application imports to protect its own routes::

    from rbac_api import Principal, Settings, create_app, current_principal, public_route

Names are imported on first use: the `rbac-api` command should not pay for FastAPI and Strawberry when it
only checks a policy file.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rbac_api.app import build_runtime, create_app
    from rbac_api.core.errors import NotAuthenticated, PermissionDenied
    from rbac_api.core.principal import Principal
    from rbac_api.graphql.permissions import HasScopesOn
    from rbac_api.guarded import AppCheckError, public_route
    from rbac_api.policy import Decision, Policy, PolicyEngine, PolicyError, load_policy
    from rbac_api.policy.engine import ObjectDecision
    from rbac_api.rest.deps import CurrentPrincipal, OptionalPrincipal, current_principal, optional_principal
    from rbac_api.rest.guarded_route import GuardedRoute
    from rbac_api.rest.objects import ObjectGuard
    from rbac_api.settings import ConfigError, Settings
    from rbac_api.store.object_filter import allowed_only

_HOMES = {
    "build_runtime": "rbac_api.app",
    "create_app": "rbac_api.app",
    "NotAuthenticated": "rbac_api.core.errors",
    "PermissionDenied": "rbac_api.core.errors",
    "AppCheckError": "rbac_api.guarded",
    "public_route": "rbac_api.guarded",
    "Decision": "rbac_api.policy",
    "Policy": "rbac_api.policy",
    "PolicyEngine": "rbac_api.policy",
    "PolicyError": "rbac_api.policy",
    "load_policy": "rbac_api.policy",
    "Principal": "rbac_api.core.principal",
    "CurrentPrincipal": "rbac_api.rest.deps",
    "OptionalPrincipal": "rbac_api.rest.deps",
    "current_principal": "rbac_api.rest.deps",
    "optional_principal": "rbac_api.rest.deps",
    "GuardedRoute": "rbac_api.rest.guarded_route",
    "ConfigError": "rbac_api.settings",
    "Settings": "rbac_api.settings",
    "HasScopesOn": "rbac_api.graphql.permissions",
    "ObjectDecision": "rbac_api.policy.engine",
    "ObjectGuard": "rbac_api.rest.objects",
    "allowed_only": "rbac_api.store.object_filter",
}

__all__ = [
    "AppCheckError",
    "ConfigError",
    "CurrentPrincipal",
    "Decision",
    "GuardedRoute",
    "HasScopesOn",
    "NotAuthenticated",
    "ObjectDecision",
    "ObjectGuard",
    "OptionalPrincipal",
    "PermissionDenied",
    "Policy",
    "PolicyEngine",
    "PolicyError",
    "Principal",
    "Settings",
    "allowed_only",
    "build_runtime",
    "create_app",
    "current_principal",
    "load_policy",
    "optional_principal",
    "public_route",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rbac_api' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
