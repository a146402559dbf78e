"""The route serving the vendored files (`rbac_api.pages.vendor`): only those the manifest lists as served,
each under a path that names its version, so a browser may keep it for a year."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from rbac_api.pages.vendor import ASSETS_PATH, served
from rbac_api.rest.targets import public_route

#: Versioned paths never change content, so they may be cached for good.
CACHE_FOREVER = "public, max-age=31536000, immutable"
#: The headers of every file served under a versioned or content-hashed name.
IMMUTABLE_FILE_HEADERS = {"Cache-Control": CACHE_FOREVER, "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False)


@router.get(
    ASSETS_PATH + "/{url_path:path}",
    openapi_extra=public_route("versioned third-party scripts and styles of the API's pages; no data"),
)
async def vendored_file(url_path: str) -> FileResponse:
    found = served().get(url_path)
    if found is None:
        raise HTTPException(404, "Not Found")
    return FileResponse(found.path, media_type=found.media_type, headers=IMMUTABLE_FILE_HEADERS)
