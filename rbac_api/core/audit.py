"""Structured log lines for authorization decisions: one JSON line per denial, never a token or password."""

from __future__ import annotations

import json
import logging

from rbac_api.core.principal import Principal

log = logging.getLogger("rbac_api.audit")


def log_denial(
    principal: Principal,
    *,
    required: frozenset[str],
    missing: frozenset[str],
    target: str,
    policy_version: str,
) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    line = {
        "event": "access_denied",
        "subject": principal.subject or None,
        "username": principal.username or None,
        "target": target,
        "required_scopes": sorted(required),
        "missing_scopes": sorted(missing),
        "policy_version": policy_version,
    }
    log.info(json.dumps(line, separators=(",", ":")))
