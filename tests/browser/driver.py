"""Headless Chromium from the system (Debian's `chromium`), driven by Playwright: never a browser download.

On a machine without Chromium or Playwright the browser tests skip and say how to install them; where
`RBAC_REQUIRE_BROWSER=1` (`.ci/run` sets it) they fail instead, so CI cannot pass without running them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

#: Chromium without a sandbox (root in containers), a GPU or any traffic of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_VARIABLE = "RBAC_REQUIRE_BROWSER"


def missing_browser() -> str | None:
    """What is missing to run the browser tests, with how to install it; None when nothing is."""
    if shutil.which("chromium") is None:
        return "no `chromium` on PATH (Debian/Ubuntu: apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the Python package `playwright` is missing (pip install -e '.[dev]')"
    return None


def chromium_or_stop() -> str:
    """The path of `chromium`; skips the test when it cannot run, or fails where it is required."""
    missing = missing_browser()
    if missing is None:
        return str(shutil.which("chromium"))
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"browser tests are required here ({REQUIRE_VARIABLE}=1) but {missing}", pytrace=False)
    pytest.skip(f"browser tests need Chromium and Playwright: {missing}")


def expect(target: Locator | Page) -> Any:
    """Playwright's retrying assertions, imported only once a test runs (Playwright may be missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)
