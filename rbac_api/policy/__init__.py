"""Policy: data parsed from `policies/*.yaml`, validated, compiled, and checked by one engine."""

from rbac_api.policy.engine import Decision, PolicyEngine
from rbac_api.policy.loader import PolicyError, Problem, check_policy_dir, load_policy
from rbac_api.policy.model import Location, Policy, RoleDef, ScopeDef, is_scope_name

__all__ = [
    "Decision",
    "Location",
    "Policy",
    "PolicyEngine",
    "PolicyError",
    "Problem",
    "RoleDef",
    "ScopeDef",
    "check_policy_dir",
    "is_scope_name",
    "load_policy",
]
