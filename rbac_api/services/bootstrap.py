"""First start: make sure someone can log in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from rbac_api.core.errors import Conflict
from rbac_api.core.passwords import password_problem
from rbac_api.runtime import Rbac
from rbac_api.settings import ConfigError

ADMIN_USERNAME = "admin"
ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    username: str
    #: Set only when the password was generated and must be shown once to the operator.
    generated_password: str | None


def ensure_first_admin(rbac: Rbac) -> FirstAdmin | None:
    """Create user `admin` when the database has no users yet.

    The password is `RBAC_ADMIN_PASSWORD` when set, otherwise a random one the caller must print once;
    it is never logged. Instances starting at once on an empty database may all find no users: the unique
    user name lets one of them create `admin`, and the others start without one of their own.
    """
    if rbac.users.count() > 0:
        return None
    given = rbac.settings.admin_password
    password = given.get_secret_value() if given is not None else secrets.token_urlsafe(18)
    problem = password_problem(password)
    if problem:
        raise ConfigError(f"RBAC_ADMIN_PASSWORD is not usable: {problem}")
    if ADMIN_ROLE not in rbac.engine.policy.roles:
        raise ConfigError(f"the policy has no role {ADMIN_ROLE!r} for the first admin; add one to the policy")
    try:
        rbac.users.create(
            username=ADMIN_USERNAME,
            password_hash=rbac.hasher.hash_sync(password),
            email=None,
            full_name="Administrator",
            roles=[ADMIN_ROLE],
        )
    except Conflict:
        return None
    return FirstAdmin(ADMIN_USERNAME, None if given is not None else password)
