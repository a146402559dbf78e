"""What apps of one process share: the service's schema and its fields' targets, worked out once."""

from __future__ import annotations

from pathlib import Path

import pytest

from rbac_api import create_app
from rbac_api.graphql.schema import service_schema
from rbac_api.graphql.targets import schema_targets
from tests.conftest import make_settings


def test_apps_built_without_a_schema_share_the_services(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = create_app(make_settings(tmp_path / "a"))
    second = create_app(make_settings(tmp_path / "b"))
    assert first.state.graphql_schema is second.state.graphql_schema is service_schema()


def test_field_locations_are_relative_to_the_working_directory_of_each_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = {t.name: t.location for t in schema_targets(service_schema())}
    monkeypatch.chdir(tmp_path)
    elsewhere = {t.name: t.location for t in schema_targets(service_schema())}
    me = "Query.me"
    assert here[me] is not None
    assert elsewhere[me] is not None
    assert not here[me].file.startswith("/")
    assert elsewhere[me].file.startswith("/")
