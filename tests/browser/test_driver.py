"""Without Chromium the browser tests skip on a developer's machine and fail where they are required."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.driver import REQUIRE_VARIABLE, chromium_or_stop


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.usefixtures("no_chromium")
def test_without_chromium_the_browser_tests_skip_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install -y chromium"):
        chromium_or_stop()


@pytest.mark.usefixtures("no_chromium")
def test_without_chromium_the_browser_tests_fail_where_they_are_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    with pytest.raises(pytest.fail.Exception, match=rf"required here \({REQUIRE_VARIABLE}=1\)"):
        chromium_or_stop()
