"""`/console`: the policy console, one HTML page with its own script and style sheet, all served here.

The page carries no data and no secret: it logs in through `POST /token` and reads the JSON API with the
token, which the script keeps in memory only. Its response headers forbid every inline script, inline
style and outside host (`CONTENT_SECURITY_POLICY`); its files are served under a name holding a digest of
their content, so a browser keeps them for a year and a new version is a new URL.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from rbac_api.pages.assets import IMMUTABLE_FILE_HEADERS
from rbac_api.rest.targets import public_route

CONSOLE_PATH = "/console"
CONSOLE_ASSETS_PATH = "/console/assets"
FILES_DIR = Path(__file__).resolve().parent / "console"
#: No inline script or style, nothing from another host, no framing, no form posts: the page's own
#: script and style sheet, and `fetch` to this service. `data:` images for the icon only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class ConsoleFile:
    """One of the page's files: its bytes, and the name it is served under (`console.<digest>.js`)."""

    name: str
    content: bytes
    media_type: str


@cache
def console_files() -> dict[str, ConsoleFile]:
    """The script and style sheet by their served name; read once per process."""
    found = {}
    for path in sorted(FILES_DIR.glob("console.*")):
        if path.suffix in _MEDIA_TYPES:
            content = path.read_bytes()
            digest = hashlib.sha256(content).hexdigest()[:16]
            name = f"{path.stem}.{digest}{path.suffix}"
            found[name] = ConsoleFile(name, content, _MEDIA_TYPES[path.suffix])
    return found


def served_name(suffix: str) -> str:
    """The served name of the page's file ending in `suffix` (`.js` or `.css`)."""
    return next(name for name in console_files() if name.endswith(suffix))


@cache
def _template() -> str:
    return (FILES_DIR / "console.html").read_text()


def console_html(root_path: str) -> str:
    """The page for a service mounted at `root_path` (the ASGI root path; empty at the root)."""
    values = {
        "root": root_path,
        "script": f"{root_path}{CONSOLE_ASSETS_PATH}/{served_name('.js')}",
        "style": f"{root_path}{CONSOLE_ASSETS_PATH}/{served_name('.css')}",
    }
    return _PLACEHOLDER.sub(lambda match: html.escape(values[match[1]]), _template())


@router.get(CONSOLE_PATH, openapi_extra=public_route("the policy console's page; it holds no data"))
async def console_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    return HTMLResponse(console_html(root), headers=PAGE_HEADERS)


@router.get(
    CONSOLE_ASSETS_PATH + "/{name}",
    openapi_extra=public_route("the policy console's script and style sheet; no data"),
)
async def console_file(name: str) -> Response:
    found = console_files().get(name)
    if found is None:
        raise HTTPException(404, "Not Found")
    return Response(found.content, media_type=found.media_type, headers=IMMUTABLE_FILE_HEADERS)
