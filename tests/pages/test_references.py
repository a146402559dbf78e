"""The outside-host check itself: each way a page or style sheet can make a browser fetch is found."""

from __future__ import annotations

import pytest

from tests.pages.references import css_references, is_outside, page_references

PAGE = "http://testserver/docs"


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example/a.js"></script>',
        '<link rel="stylesheet" href="//cdn.example/a.css">',
        '<img srcset="a.png 1x, https://cdn.example/b.png 2x">',
        '<div style="background: url(//cdn.example/x.png)"></div>',
        "<style>@import 'https://fonts.example/css';</style>",
        '<script>fetch("https://api.example/x")</script>',
        '<link rel="icon" href="http://testserver:8080/favicon.png">',
    ],
    ids=["script", "protocol-relative", "srcset", "style-attribute", "style-import", "inline-fetch", "port"],
)
def test_a_reference_to_another_origin_is_found(html: str) -> None:
    assert [url for url in page_references(html).urls if is_outside(url, PAGE)] != []


@pytest.mark.parametrize(
    "css",
    [
        "@import url(https://fonts.example/css);",
        '.x { src: url("//cdn.example/f.woff2") }',
        ".x { background: url(https://cdn.example/x.png) }",
    ],
)
def test_a_style_sheet_reference_to_another_origin_is_found(css: str) -> None:
    assert [url for url in css_references(css) if is_outside(url, PAGE)] != []


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/vendor/a.js"></script>',
        '<link rel="icon" href="data:image/svg+xml,<svg xmlns=%22http://www.w3.org/2000/svg%22/>">',
        '<style>.x { background: url("data:image/svg+xml,<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>") }'
        "</style>",
        '<a href="http://testserver/openapi.json">the document</a>',
        "<script>const url = window.location.href.split('?')[0];</script>",
    ],
    ids=["relative", "data-icon", "data-in-css", "same-origin", "script-without-urls"],
)
def test_a_reference_to_the_service_or_to_data_is_not_outside(html: str) -> None:
    assert [url for url in page_references(html).urls if is_outside(url, PAGE)] == []
