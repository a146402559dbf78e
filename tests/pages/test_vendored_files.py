"""The vendored files: exactly what the manifest lists, byte for byte, with their licences; served typed
and cached, and nothing else in the package reachable."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from strawberry.http.ides import get_graphql_ide_html

from rbac_api.pages.vendor import ASSETS_PATH, VENDOR_DIR, manifest, served

LISTED = {
    f"{entry['directory']}/{file}": digest if isinstance(digest, str) else digest["sha256"]
    for entry in manifest().values()
    for file, digest in {**entry["licence_files"], **entry["files"]}.items()
}
DOCUMENTATION = {"manifest.json", "README.md"}
YEAR = 365 * 24 * 3600


class Integrity(HTMLParser):
    """(URL, SRI hash) of every element of a page that carries an `integrity` attribute."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.pairs: set[tuple[str, str]] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("integrity"):
            self.pairs.add((values.get("src") or values.get("href") or "", values["integrity"] or ""))


@pytest.mark.parametrize("path", sorted(LISTED))
def test_a_vendored_file_has_the_sha256_its_manifest_records(path: str) -> None:
    assert hashlib.sha256((VENDOR_DIR / path).read_bytes()).hexdigest() == LISTED[path]


@pytest.mark.parametrize("path", sorted(served()))
def test_a_served_file_has_the_subresource_integrity_its_manifest_records(path: str) -> None:
    digest = hashlib.sha384(served()[path].path.read_bytes()).digest()
    assert served()[path].integrity == "sha384-" + base64.b64encode(digest).decode()


def test_nothing_is_vendored_that_the_manifest_does_not_list() -> None:
    present = {str(path.relative_to(VENDOR_DIR)) for path in VENDOR_DIR.rglob("*") if path.is_file()}
    assert present - DOCUMENTATION == set(LISTED)


@pytest.mark.parametrize("package", sorted(manifest()))
def test_a_vendored_package_names_its_version_source_and_licence_and_ships_it(package: str) -> None:
    entry = manifest()[package]
    assert entry["directory"] == f"{package.lstrip('@').replace('/', '-')}-{entry['version']}"
    assert entry["source"].startswith(f"https://registry.npmjs.org/{package}/-/")
    assert entry["source"].endswith(f"-{entry['version']}.tgz")
    assert entry["licence"] in {"MIT", "Apache-2.0"}
    assert "LICENSE" in entry["licence_files"]


def test_graphiql_loads_the_libraries_strawberry_names_with_the_same_integrity(client: TestClient) -> None:
    """Strawberry's page loads them from unpkg.com; ours from the service, minus js-cookie (no CSRF cookie
    here). The same hashes prove the files are the very ones Strawberry's page would run."""
    ours = Integrity(client.get("/graphql", headers={"Accept": "text/html"}).text).pairs
    theirs = Integrity(get_graphql_ide_html("graphiql")).pairs
    unpkg = {(url.removeprefix("https://unpkg.com/"), sri) for url, sri in theirs if "js-cookie" not in url}
    assert {(npm_name(url), sri) for url, sri in ours} == unpkg


def npm_name(url: str) -> str:
    """`package@version/file` of a vendored file's URL, the way unpkg.com names it."""
    directory, _, file = url.removeprefix(ASSETS_PATH + "/").partition("/")
    package = next(name for name, entry in manifest().items() if entry["directory"] == directory)
    return f"{package}@{manifest()[package]['version']}/{file}"


@pytest.mark.parametrize("path", sorted(served()))
def test_a_served_file_has_its_content_type_and_is_cached_for_a_year(client: TestClient, path: str) -> None:
    response = client.get(f"{ASSETS_PATH}/{path}")
    expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}[Path(path).suffix]
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["cache-control"] == f"public, max-age={YEAR}, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == served()[path].path.read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "react-18.2.0/LICENSE",
        "manifest.json",
        "../pages/graphiql.html",
        "react-18.2.0/../../pages/graphiql.html",
        "react-18.2.0/umd/",
        "",
    ],
)
def test_anything_else_below_the_vendored_path_is_not_found(client: TestClient, path: str) -> None:
    assert client.get(f"{ASSETS_PATH}/{path}").status_code == 404
