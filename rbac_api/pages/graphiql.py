"""GraphiQL at `/graphql` (when the IDE is on), loading React, GraphiQL and its explorer from this service.

The libraries are the ones, at the versions, that Strawberry's own GraphiQL page names; they are checked
against the same Subresource Integrity hashes that page carries for the CDN's copies.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from rbac_api.pages.vendor import asset

_TEMPLATE = Path(__file__).resolve().parent / "graphiql.html"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
#: Each placeholder `{{name}}` of the template is the URL of a file, and `{{name_sri}}` its SRI hash.
_FILES = {
    "react_js": ("react", "umd/react.production.min.js"),
    "react_dom_js": ("react-dom", "umd/react-dom.production.min.js"),
    "graphiql_css": ("graphiql", "graphiql.min.css"),
    "graphiql_js": ("graphiql", "graphiql.min.js"),
    "explorer_css": ("@graphiql/plugin-explorer", "dist/style.css"),
    "explorer_js": ("@graphiql/plugin-explorer", "dist/index.umd.js"),
}


@cache
def _template() -> str:
    return _TEMPLATE.read_text()


def graphiql_html(root_path: str) -> str:
    """The IDE page for a service mounted at `root_path` (the ASGI root path; empty at the root)."""
    values: dict[str, str] = {}
    for name, (package, file) in _FILES.items():
        found = asset(package, file)
        values[name], values[f"{name}_sri"] = found.url(root_path), found.integrity
    return _PLACEHOLDER.sub(lambda match: html.escape(values[match[1]]), _template())
