"""A throwaway service installation: SQLite file, settings, a user with three roles, minted tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.policies import SHIPPED, SMALL_ROLES
from rbac_api.app import build_runtime
from rbac_api.runtime import Rbac
from rbac_api.services.bootstrap import ensure_first_admin
from rbac_api.settings import Settings

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
PASSWORD = "bench-password-1"
USERNAME = "bench"


def settings_values(workdir: Path, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{workdir / 'rbac.db'}",
        "secret_key": SECRET,
        "secret_file": workdir / "dev-secret",
        "policy_dir": SHIPPED,
        "admin_password": PASSWORD,
        "bcrypt_rounds": 12,
        # Long enough that no token minted at the start expires during the run.
        "access_token_minutes": 120,
    }
    values.update(overrides)
    return values


def environment(values: dict[str, Any]) -> dict[str, str]:
    """The same settings as `RBAC_*` variables, for a service started in another process."""
    return {f"RBAC_{key.upper()}": str(value) for key, value in values.items()}


@dataclass
class Installation:
    rbac: Rbac
    user_id: int

    def mint(self, count: int) -> list[str]:
        """`count` distinct tokens (distinct `jti`) for the benchmark user, every scope its roles grant."""
        granted = self.rbac.engine.policy.granted(SMALL_ROLES)
        now = time.time()
        session = self.rbac.sessions.start(
            public_id=secrets.token_urlsafe(12),
            user_id=self.user_id,
            token_version=0,
            scopes=granted,
            client_address=None,
            user_agent="bench",
            now=now,
            expires_at=now + 86_400,
            refresh_hash=None,
        )
        issue = self.rbac.codec.issue
        return [
            issue(
                subject=str(self.user_id),
                scopes=granted,
                roles=SMALL_ROLES,
                version=0,
                session_id=session.public_id,
            ).token
            for _ in range(count)
        ]


def install(values: dict[str, Any]) -> Installation:
    """Create the database with the first admin and the benchmark user (roles user, auditor, reader)."""
    rbac = build_runtime(Settings(**values))
    ensure_first_admin(rbac)
    record = rbac.users.create(
        username=USERNAME,
        password_hash=rbac.hasher.hash_sync(PASSWORD),
        email="bench@example.org",
        full_name="Bench Mark",
        roles=sorted(SMALL_ROLES),
    )
    return Installation(rbac, record.id)
