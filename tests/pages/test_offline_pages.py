"""Every page the service serves loads everything from the service itself: a closed network shows it whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.testclient import TestClient
from strawberry.http.ides import get_graphql_ide_html

from rbac_api import Settings, create_app
from rbac_api.guarded import app_targets
from rbac_api.pages.console import CONSOLE_ASSETS_PATH, console_files
from rbac_api.pages.vendor import ASSETS_PATH, served
from tests.conftest import make_settings
from tests.pages.references import css_imports, css_references, is_outside, page_references

#: The pages a development service must serve; the tests below check these and any other HTML they find.
EXPECTED_PAGES = {"/docs", "/docs/oauth2-redirect", "/graphql", "/console"}
BASE = "http://testserver"


def html_pages(client: TestClient) -> dict[str, str]:
    """Each GET route without path parameters that answers HTML to a browser's `Accept`, with its HTML."""
    names = (target.name for target in app_targets(client.app))  # type: ignore[arg-type]
    paths = {name.removeprefix("GET ") for name in names if name.startswith("GET ") and "{" not in name}
    pages = {}
    for path in sorted(paths):
        response = client.get(path, headers={"Accept": "text/html"})
        if response.headers.get("content-type", "").startswith("text/html"):
            pages[path] = response.text
    return pages


def references(client: TestClient, pages: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(URL of the page or style sheet, reference in it) for every URL in the pages and in the style sheets
    they load, followed through `@import`s, as long as these are on the service."""
    sheets: list[str] = []
    for path, html in pages.items():
        found = page_references(html)
        yield from ((BASE + path, url) for url in found.urls)
        sheets += [urljoin(BASE + path, href) for href in found.stylesheets]
    seen: set[str] = set()
    while sheets:
        sheet = sheets.pop()
        if sheet in seen or is_outside(sheet, BASE):
            continue
        seen.add(sheet)
        css = client.get(sheet).text
        yield from ((sheet, url) for url in css_references(css))
        sheets += [urljoin(sheet, url) for url in css_imports(css)]


@pytest.fixture
def pages(client: TestClient) -> dict[str, str]:
    return html_pages(client)


def test_the_service_serves_the_documentation_page_its_redirect_graphiql_and_the_console(
    pages: dict[str, str],
) -> None:
    assert set(pages) >= EXPECTED_PAGES


def test_no_page_or_style_sheet_references_an_outside_host(client: TestClient, pages: dict[str, str]) -> None:
    outside = [(where, url) for where, url in references(client, pages) if is_outside(url, where)]
    assert outside == []


def loaded_files(client: TestClient, pages: dict[str, str]) -> set[str]:
    files = {urljoin(where, url) for where, url in references(client, pages)}
    return {url for url in files if urlsplit(url).scheme != "data"}


def test_every_file_a_page_references_is_served(client: TestClient, pages: dict[str, str]) -> None:
    files = loaded_files(client, pages)
    assert {url: client.get(url).status_code for url in files} == dict.fromkeys(files, 200)


def test_every_vendored_file_is_one_a_page_loads(client: TestClient, pages: dict[str, str]) -> None:
    console = {f"{BASE}{CONSOLE_ASSETS_PATH}/{name}" for name in console_files()}
    assert loaded_files(client, pages) - console == {f"{BASE}{ASSETS_PATH}/{path}" for path in served()}


@pytest.mark.parametrize(
    "stock_page",
    [
        get_swagger_ui_html(openapi_url="/openapi.json", title="FastAPI's").body.decode(),
        get_graphql_ide_html("graphiql"),
    ],
    ids=["fastapi-swagger-ui", "strawberry-graphiql"],
)
def test_the_check_finds_the_cdn_references_of_the_stock_pages(stock_page: str) -> None:
    urls = page_references(stock_page).urls
    assert [url for url in urls if is_outside(url, BASE + "/docs")] != []


def test_docs_names_its_oauth2_redirect_page_which_is_served(pages: dict[str, str]) -> None:
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in pages["/docs"]
    assert "window.opener.swaggerUIRedirectOauth2" in pages["/docs/oauth2-redirect"]


def test_redoc_is_not_served(client: TestClient, pages: dict[str, str]) -> None:
    assert client.get("/redoc").status_code == 404
    assert not any("redoc" in url.lower() for _, url in references(client, pages))


@pytest.fixture
def production(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, env="production"))) as client:
        yield client


def test_production_serves_the_console_alone_and_no_vendored_file(production: TestClient) -> None:
    assert set(html_pages(production)) == {"/console"}
    assert production.get("/static/vendor/react-18.2.0/umd/react.production.min.js").status_code == 404


def test_production_with_the_ide_turned_on_serves_graphiql_with_its_files_but_not_docs(
    tmp_path: Path,
) -> None:
    settings: Settings = make_settings(tmp_path, env="production", graphql_ide=True)
    with TestClient(create_app(settings)) as client:
        pages = html_pages(client)
        assert set(pages) == {"/graphql", "/console"}
        assert [url for where, url in references(client, pages) if is_outside(url, where)] == []
        assert client.get("/static/vendor/react-18.2.0/umd/react.production.min.js").status_code == 200


def test_behind_a_path_prefix_the_pages_load_their_files_below_it(settings: Settings) -> None:
    with TestClient(create_app(settings), root_path="/rbac") as client:
        for page in ("/rbac/docs", "/rbac/graphql", "/rbac/console"):
            urls = page_references(client.get(page, headers={"Accept": "text/html"}).text).urls
            files = [url for url in urls if not url.startswith("data:")]
            assert files
            assert all(url.startswith(("/rbac/static/vendor/", "/rbac/console/assets/")) for url in files)
            assert {client.get(url).status_code for url in files} == {200}
