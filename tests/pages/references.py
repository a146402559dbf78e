"""Every URL an HTML page or a style sheet can make a browser fetch, found by parsing, not by guessing."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

#: Attributes whose value a browser fetches (or navigates to) as a URL.
URL_ATTRIBUTES = frozenset(
    {"src", "href", "action", "formaction", "poster", "data", "background", "manifest"}
)
_CSS_URL = re.compile(r"""url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^)'"\s;]+))""", re.I)
#: An absolute or protocol-relative URL in a script's string literal (what `fetch(...)` would be given).
_SCRIPT_URL = re.compile(r"""["'`]((?:[a-z][a-z0-9+.-]*:)?//[^"'`\s]+)""", re.I)


def css_imports(css: str) -> list[str]:
    """The style sheets a style sheet imports: `@import "x"`, `@import 'x'` or `@import url(x)`."""
    return ["".join(groups) for groups in _CSS_IMPORT.findall(css)]


def css_references(css: str) -> list[str]:
    """Targets of every `url(...)` and `@import` in a style sheet."""
    return sorted({*("".join(groups) for groups in _CSS_URL.findall(css)), *css_imports(css)})


class PageReferences(HTMLParser):
    """Feed it a page; `urls` are then every reference in attributes, `srcset`s, `<style>`, `style=` and
    absolute URLs in inline scripts; `stylesheets` the `<link rel=stylesheet>` targets among them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.stylesheets: list[str] = []
        self._element = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element = tag
        values = {name: value or "" for name, value in attrs}
        self.urls += [value for name, value in values.items() if name in URL_ATTRIBUTES]
        if "srcset" in values:
            self.urls += [part.split()[0] for part in values["srcset"].split(",") if part.strip()]
        self.urls += css_references(values.get("style", ""))
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split():
            self.stylesheets.append(values.get("href", ""))

    def handle_data(self, data: str) -> None:
        if self._element == "style":
            self.urls += css_references(data)
        elif self._element == "script":
            self.urls += _SCRIPT_URL.findall(data)

    def handle_endtag(self, tag: str) -> None:
        self._element = ""


def page_references(html: str) -> PageReferences:
    parser = PageReferences()
    parser.feed(html)
    parser.close()
    return parser


def is_outside(reference: str, base: str) -> bool:
    """Whether `reference`, found on the page at `base`, points at another origin (`data:` stays inside)."""
    target = urlsplit(urljoin(base, reference.strip()))
    if target.scheme == "data":
        return False
    origin = urlsplit(base)
    return (target.scheme, target.netloc) != (origin.scheme, origin.netloc)
