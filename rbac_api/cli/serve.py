"""`rbac-api serve`: the service under uvicorn, with our logging."""

from __future__ import annotations

import copy
import gc
import os
from typing import Any

import click

from rbac_api.cli.help import example


@click.command(
    epilog=example("rbac-api serve --host 0.0.0.0 --port 8000 --workers 2"),
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, metavar="HOST", help="Interface to listen on."
)
@click.option("--port", default=8000, show_default=True, metavar="PORT", help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes; each reloads the policy itself.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Run the service with settings from RBAC_* environment variables."""
    import uvicorn

    from rbac_api.app import create_app
    from rbac_api.cli.env import fail_on_startup, load_settings
    from rbac_api.pidfiles import DEFAULT_PID_DIR
    from rbac_api.policy import PolicyError
    from rbac_api.policy.problems import AppCheckError
    from rbac_api.settings import ConfigError
    from rbac_api.transport.head_limit import head_limited

    settings = load_settings()
    if settings.pid_dir is None:
        settings = settings.model_copy(update={"pid_dir": DEFAULT_PID_DIR})
    try:
        # Built here even with several workers: a bad configuration stops start-up once, with its reasons.
        application = create_app(settings)
    except (ConfigError, PolicyError, AppCheckError) as exc:
        fail_on_startup(exc)
    server: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": log_config(),
        # The service writes its own access line (RBAC_ACCESS_LOG); uvicorn's would be a second one.
        "access_log": False,
        "http": head_limited(settings.max_header_bytes),
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: only the proxies listed.
        "proxy_headers": settings.forwarded_allow_ips is not None,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if workers == 1:
        # What start-up built lives as long as the process: keep it out of every later full collection
        # (65-85 ms each with the GIL held, measured in docs/benchmarks.md).
        gc.freeze()
        uvicorn.run(application, **server)
        return
    os.environ["RBAC_PID_DIR"] = str(settings.pid_dir)
    uvicorn.run("rbac_api.app:app_from_environment", factory=True, workers=workers, **server)


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus ours at INFO: reloads and warnings as usual, denials as bare JSON lines, and
    access log lines without the values of credentials sent in query strings."""
    from uvicorn.config import LOGGING_CONFIG

    from rbac_api.transport.access_log import ACCESS_LOGGER

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["query_secrets"] = {
        "()": "rbac_api.transport.access_log.query_secrets_filter"
    }
    config["loggers"][ACCESS_LOGGER]["filters"] = ["query_secrets"]
    config["formatters"]["json_line"] = {"format": "%(message)s"}
    config["handlers"]["audit"] = {
        "formatter": "json_line",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["rbac_api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["loggers"]["rbac_api.audit"] = {"handlers": ["audit"], "level": "INFO", "propagate": False}
    return config
