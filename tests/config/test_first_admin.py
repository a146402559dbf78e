"""First start creates `admin`, with RBAC_ADMIN_PASSWORD or a one-time password printed once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import ConfigError, create_app
from tests.conftest import ADMIN_PASSWORD, login, make_settings


def test_first_admin_takes_the_configured_password(client: TestClient) -> None:
    token = login(client, "admin", ADMIN_PASSWORD)
    me = client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["roles"] == ["admin"]


def test_first_admin_gets_a_printed_one_time_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(tmp_path, admin_password=None))
    printed = capsys.readouterr().err
    match = re.search(r"user 'admin' with one-time password (\S+)", printed)
    assert match is not None
    with TestClient(app) as client:
        assert login(client, "admin", match.group(1))


def test_the_one_time_password_is_printed_only_on_first_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app(make_settings(tmp_path, admin_password=None))
    capsys.readouterr()
    create_app(make_settings(tmp_path, admin_password=None))
    assert "one-time password" not in capsys.readouterr().err


def test_an_unusable_admin_password_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RBAC_ADMIN_PASSWORD"):
        create_app(make_settings(tmp_path, admin_password="short"))
