"""The pages work on a closed network: every request the browser makes goes to the server itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import Network
from tests.browser.driver import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: Each page, and an element that only shows once its scripts ran.
PAGES = {
    "docs": ("/docs", "#operations-users-read_me_users_me_get"),
    "graphiql": ("/graphql", ".graphiql-query-editor .CodeMirror"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_page_requests_nothing_but_the_server(
    page: Page, network: Network, screenshot: Callable[[str], Path], name: str
) -> None:
    path, rendered = PAGES[name]
    page.goto(path, wait_until="networkidle")
    screenshot("loaded")
    assert (network.outside(), network.blocked) == ([], [])
    assert any("/static/vendor/" in url for url in network.requested)
    expect(page.locator(rendered)).to_be_visible()
