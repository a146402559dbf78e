"""`/console` over HTTP: a page under a strict Content-Security-Policy, with no inline script, style or
event handler, whose every file the service serves under a content digest; off with RBAC_CONSOLE=false."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from rbac_api import Settings, create_app
from rbac_api.pages.console import FILES_DIR
from tests.conftest import make_settings
from tests.pages.references import is_outside, page_references

BASE = "http://testserver"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


class InlineCode(HTMLParser):
    """Records what a strict CSP would refuse: script bodies, `<style>`, `style=` and `on*=` attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts: list[dict[str, str]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        self.found += [f"<{tag} {name}=...>" for name in names if name == "style" or name.startswith("on")]
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            self.scripts.append(names)
            self._in_script = True

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


@pytest.fixture
def console(client: TestClient) -> str:
    return client.get("/console").text


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser


def test_the_console_is_html_under_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/console")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


def test_the_console_has_no_inline_script_style_or_event_handler(console: str) -> None:
    found = inline_code(console)
    assert found.found == []
    assert found.scripts
    assert all(script.get("src") for script in found.scripts)


def test_the_console_loads_one_script_and_one_style_sheet_from_the_service(console: str) -> None:
    references = page_references(console)
    files = [url for url in references.urls if not url.startswith("data:")]
    assert (len(files), len(references.stylesheets)) == (2, 1)
    assert [url for url in references.urls if is_outside(url, BASE + "/console")] == []


def test_every_file_the_console_references_is_served_for_good_under_its_content_digest(
    client: TestClient, console: str
) -> None:
    for url in (u for u in page_references(console).urls if not u.startswith("data:")):
        response = client.get(urljoin(BASE + "/console", url))
        assert response.status_code == 200, url
        assert hashlib.sha256(response.content).hexdigest()[:16] in url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-type"].startswith(("text/javascript", "text/css"))


@pytest.mark.parametrize(
    "path", ["/console/assets/console.js", "/console/assets/console.html", "/console/assets/..%2Fconsole.py"]
)
def test_only_the_digest_named_files_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "construct",
    [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "localStorage",
        "sessionStorage",
        "document.cookie",
    ],
)
def test_the_script_never_parses_data_as_html_nor_stores_the_token(construct: str) -> None:
    """Data goes in as text nodes; the token lives in a variable only (comments may say so)."""
    lines = (FILES_DIR / "console.js").read_text().splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
    assert construct not in code


def test_behind_a_path_prefix_the_console_calls_and_loads_below_it(settings: Settings) -> None:
    with TestClient(create_app(settings), root_path="/rbac") as client:
        html = client.get("/rbac/console").text
        assert 'data-root="/rbac"' in html
        files = [url for url in page_references(html).urls if not url.startswith("data:")]
        assert all(url.startswith("/rbac/console/assets/") for url in files)
        assert {client.get(url).status_code for url in files} == {200}


def test_the_console_is_on_in_production(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, env="production"))) as client:
        assert client.get("/console").status_code == 200


@pytest.fixture
def console_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("RBAC_CONSOLE", "false")
    settings = make_settings(tmp_path)
    assert settings.console is False
    with TestClient(create_app(settings)) as client:
        yield client


def test_with_rbac_console_false_the_page_and_its_files_are_404(
    console_off: TestClient, client: TestClient
) -> None:
    files = [url for url in page_references(client.get("/console").text).urls if not url.startswith("data:")]
    assert [console_off.get(path).status_code for path in ["/console", *files]] == [404] * (1 + len(files))
