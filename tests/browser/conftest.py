"""One real `rbac-api serve` and one headless Chromium for the browser tests; each test gets a fresh page
whose every request is recorded, and blocked unless it goes to the server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.driver import CHROMIUM_ARGS, chromium_or_stop
from tests.conftest import REPO
from tests.servers import Server, start_server, stop_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

#: Screenshots of each step land here (gitignored), one file per test and step.
ARTIFACTS = REPO / "test-artifacts" / "browser"
#: Playwright's own default is 30 s; a page of this service that takes 10 s is broken.
STEP_TIMEOUT_MS = 10_000


@dataclass
class Network:
    """Every URL the page asked for, and those refused for going anywhere but the server."""

    host: str
    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def outside(self) -> list[str]:
        return [url for url in self.requested if urlsplit(url).hostname != self.host]


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One Chromium for the browser tests, closed after the last of them (they run on one worker, see
    tests/scheduling.py): while Playwright runs, its event loop is marked as running on the main thread,
    where any later test's `anyio.run` would refuse to start."""
    executable = chromium_or_stop()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def live_server(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A development server (so `/docs` and GraphiQL are on) with a temporary SQLite database; started
    after Chromium, so a machine without Chromium skips before starting anything."""
    server = start_server(tmp_path_factory.mktemp("browser"))
    yield server
    stop_server(server)


@pytest.fixture
def network(live_server: Server) -> Network:
    return Network(str(urlsplit(live_server.url).hostname))


@pytest.fixture
def page(chromium: Browser, live_server: Server, network: Network) -> Iterator[Page]:
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.on("request", lambda request: network.requested.append(request.url))

    def only_the_server(route: Route) -> None:
        if urlsplit(route.request.url).hostname == network.host:
            route.continue_()
        else:
            network.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_the_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """`screenshot("step")` saves `test-artifacts/browser/<test>-<n>-<step>.png`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    steps: list[Path] = []

    def take(step: str) -> Path:
        path = ARTIFACTS / f"{name}-{len(steps) + 1}-{step}.png"
        page.screenshot(path=str(path))
        steps.append(path)
        return path

    return take
