"""RBAC_OPENTELEMETRY: off by default (no span, FastAPI's own probe off too); on, a span per request; on
without the instrumentation installed, start-up fails naming the install command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from rbac_api import create_app
from rbac_api.settings import ConfigError
from tests.conftest import make_settings

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider (set once: OpenTelemetry refuses to replace it) exporting to memory."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def _server_spans(exporter: InMemorySpanExporter) -> list[str]:
    return [span.name for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]


def test_with_opentelemetry_on_each_request_has_a_server_span(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    with TestClient(create_app(make_settings(tmp_path, opentelemetry=True))) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/users/me").status_code == 401
    assert _server_spans(spans) == ["GET /health", "GET /users/me"]


def test_with_opentelemetry_off_no_span_is_recorded(tmp_path: Path, spans: InMemorySpanExporter) -> None:
    """Off is the default, and it holds although a tracer provider is configured in this process (FastAPI's
    native telemetry would otherwise trace the request)."""
    with TestClient(create_app(make_settings(tmp_path))) as client:
        assert client.get("/health").status_code == 200
    assert spans.get_finished_spans() == ()


def test_opentelemetry_on_without_the_instrumentation_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.fastapi", None)  # as if not installed
    with pytest.raises(ConfigError, match=r"pip install 'rbac-api\[otel\]'"):
        create_app(make_settings(tmp_path, opentelemetry=True))
