"""OpenTelemetry, off unless `RBAC_OPENTELEMETRY` is on: then every request is traced and measured by
`opentelemetry-instrumentation-fastapi` (the optional extra `otel`).

Off, FastAPI's own OpenTelemetry support is switched off too: FastAPI 0.165 asks three OpenTelemetry globals
on every request whether a provider is configured, 7.5% of a `GET /users/me` in-process
(docs/benchmarks.md).
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI

from rbac_api.settings import ConfigError

MISSING = (
    "RBAC_OPENTELEMETRY is on but opentelemetry-instrumentation-fastapi is not installed; "
    "run pip install 'rbac-api[otel]', or set RBAC_OPENTELEMETRY=false"
)
#: FastAPI's native telemetry, all of it off (FastAPIs before 0.165 have none and take no such argument).
_NATIVE_OFF = {"tracing": False, "metrics": False, "logs": False}
_NATIVE = "telemetry" in inspect.signature(FastAPI.__init__).parameters


def fastapi_options(*, enabled: bool) -> dict[str, Any]:
    """Keyword arguments for `FastAPI(...)`: with OpenTelemetry off, FastAPI's per-request probe is off."""
    return {} if enabled or not _NATIVE else {"telemetry": _NATIVE_OFF}


def require_instrumentation() -> None:
    """`ConfigError` naming the install command when the instrumentation is not installed."""
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: F401
    except ImportError:
        raise ConfigError(MISSING) from None


def instrument(app: FastAPI) -> None:
    """Trace and measure every request of `app` with the globally configured OpenTelemetry providers."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app)
