"""Third-party scripts and styles of the service's own pages, vendored in the package itself.

The files come from npm tarballs into `rbac_api/static/vendor/<package>-<version>/`; `manifest.json` there
names each package's version, source tarball, licence, and every file with its hashes. The manifest's
`files` are what the pages load and the only files served; its README says how to update them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
#: Where the files are served; each one's path below it is `<directory>/<file>` as in the manifest.
ASSETS_PATH = "/static/vendor"
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@dataclass(frozen=True)
class Asset:
    """One served file: where it is on disk, its URL path below `ASSETS_PATH`, and its SRI hash."""

    path: Path
    url_path: str
    integrity: str

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self.path.suffix]

    def url(self, root_path: str) -> str:
        """The file's URL under `root_path` (the ASGI root path, for a service behind a path prefix)."""
        return f"{root_path}{ASSETS_PATH}/{self.url_path}"


@cache
def manifest() -> dict[str, Any]:
    """The vendored packages as `manifest.json` records them."""
    loaded: dict[str, Any] = json.loads((VENDOR_DIR / "manifest.json").read_text())
    return loaded


def asset(package: str, file: str) -> Asset:
    """The served file `file` of the npm package `package`, at the version vendored."""
    entry = manifest()[package]
    url_path = f"{entry['directory']}/{file}"
    return Asset(VENDOR_DIR / url_path, url_path, entry["files"][file]["sri"])


@cache
def served() -> dict[str, Asset]:
    """Every served file by its URL path below `ASSETS_PATH`: nothing else in the package is reachable."""
    every = (asset(package, file) for package, entry in manifest().items() for file in entry["files"])
    return {item.url_path: item for item in every}
