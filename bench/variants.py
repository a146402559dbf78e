"""Service variants for experiments, not the service as shipped: `BENCH_SERVICE_FACTORY=bench.variants:NAME`.

Each one is what docs/benchmarks.md calls an experiment: a process-level setting tried to see what it buys,
before anyone puts it into rbac_api.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from fastapi import FastAPI

from bench.apps import service


def frozen() -> FastAPI:
    """`gc.freeze()` after start-up: the framework's and the policy's objects leave every later GC pass."""
    app = service()
    gc.freeze()
    return app


def quiet_reload() -> FastAPI:
    """`frozen`, plus no cyclic GC while a reload parses and a short GIL switch interval meanwhile.

    During a reload the parse allocates hundreds of thousands of objects that all survive until it ends;
    each full collection it triggers walks the whole heap with the GIL held (100-160 ms each, measured).
    """
    app = frozen()
    reloader = app.state.reloader
    reloader.reload = _quietly(reloader.reload)
    return app


def _quietly(reload: Callable[[], bool]) -> Callable[[], bool]:
    def quiet() -> bool:
        interval = sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(0.0005)  # the event loop waits at most 0.5 ms for the GIL, not 5 ms
        try:
            return reload()
        finally:
            sys.setswitchinterval(interval)
            gc.enable()
            gc.freeze()  # the new policy joins the permanent generation

    return quiet


def tuned() -> FastAPI:
    """`frozen`, plus FastAPI's per-request OpenTelemetry probe skipped (no provider is configured here).

    FastAPI 0.165 asks three OpenTelemetry globals on every request whether a provider is configured
    (`NativeTelemetry.enabled`); `FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})`
    would skip it for a deployment that does not use OpenTelemetry.
    """
    app = frozen()
    app._native_telemetry.enabled = lambda: False  # type: ignore[attr-defined, method-assign]
    return app
