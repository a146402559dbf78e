"""rbac-api: role- and scope-based authorization for FastAPI and Strawberry GraphQL.

What an application imports to protect its own routes::

    from rbac_api import Principal, Settings, create_app, current_principal, public_route
"""

from rbac_api.app import build_runtime, create_app
from rbac_api.errors import NotAuthenticated, PermissionDenied
from rbac_api.guarded import AppCheckError, public_route
from rbac_api.policy import Decision, Policy, PolicyEngine, PolicyError, load_policy
from rbac_api.principal import Principal
from rbac_api.rest.deps import CurrentPrincipal, OptionalPrincipal, current_principal, optional_principal
from rbac_api.settings import ConfigError, Settings

__all__ = [
    "AppCheckError",
    "ConfigError",
    "CurrentPrincipal",
    "Decision",
    "NotAuthenticated",
    "OptionalPrincipal",
    "PermissionDenied",
    "Policy",
    "PolicyEngine",
    "PolicyError",
    "Principal",
    "Settings",
    "build_runtime",
    "create_app",
    "current_principal",
    "load_policy",
    "optional_principal",
    "public_route",
]
