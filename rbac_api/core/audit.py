"""Structured log lines for security events: one JSON line each (denials, logins, session ends), never a
token or password."""

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
    log_event(
        "access_denied",
        subject=principal.subject or None,
        username=principal.username or None,
        target=target,
        required_scopes=sorted(required),
        missing_scopes=sorted(missing),
        policy_version=policy_version,
    )


def log_event(event: str, **fields: object) -> None:
    """One JSON line `{"event": ..., **fields}` at INFO. Callers pass only what may be kept: names,
    addresses, outcomes, ids - never a secret."""
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps({"event": event, **fields}, separators=(",", ":")))


def log_warning(event: str, **fields: object) -> None:
    """Like `log_event`, at WARNING: events an operator should look at (a refresh token reused)."""
    log.warning(json.dumps({"event": event, **fields}, separators=(",", ":")))
